# SPDX-License-Identifier: GPL-2.0
# netlog: make builds netlog.ko and the userspace tools.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man

# The running kernel's build dir, else the newest Debian headers installed.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))

ifeq ($(V),1)
Q =
else
Q = @
endif

all: module tools

module:
	$(Q)test -d "$(KDIR)" || { echo "no kernel build dir; install linux-headers-amd64 or set KDIR" >&2; exit 1; }
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Build the module for another kernel in its own directory:
#   make module-in KDIR=/usr/src/linux-headers-6.12... MOUT=build/6.12
module-in:
	$(Q)test -n "$(MOUT)" || { echo "module-in needs MOUT=dir" >&2; exit 2; }
	$(Q)mkdir -p $(MOUT)/tests
	$(Q)cp -a Kbuild kmod uapi $(MOUT)/
	$(Q)cp -a tests/kunit tests/bench $(MOUT)/tests/
	$(Q)$(MAKE) -C $(KDIR) M=$(abspath $(MOUT)) modules

tools:
	$(Q)$(MAKE) -C shipper

install: all
	$(Q)$(MAKE) -C shipper install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) BINDIR=$(BINDIR) MANDIR=$(MANDIR)
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install

# Kernel style and static checks on kmod/ (checkpatch from the test kernel's tree).
lint:
	$(Q)tests/lint.sh

# The whole test suite: host tests, KUnit and end-to-end in QEMU.
check:
	$(Q)tests/run-all.sh

bench:
	$(Q)tests/bench/run.sh

demo:
	$(Q)tests/demo.sh

clean:
	$(Q)$(MAKE) -C shipper clean
	$(Q)rm -rf build
	$(Q)if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi

.PHONY: all module module-in tools install lint check bench demo clean
