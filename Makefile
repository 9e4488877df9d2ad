# SPDX-License-Identifier: GPL-2.0
# netlog: make builds netlog.ko and the userspace tools.

PREFIX ?= /usr/local
DESTDIR ?=
# BINDIR, SBINDIR, SYSCONFDIR and MANDIR given to make reach shipper/'s
# install, whose defaults follow PREFIX.
# The one version: shipper/Makefile's (debian/changelog must agree;
# tests/packaging/run.sh checks).
VERSION := $(shell sed -n 's/^VERSION ?= *//p' shipper/Makefile)
DKMS_SRC = $(DESTDIR)/usr/src/netlog-$(VERSION)

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
	$(Q)$(MAKE) -C shipper install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install

# The module's source for DKMS, which builds it for every kernel installed
# (with DESTDIR, only the copy: a package's staging tree).
dkms-install:
	$(Q)rm -rf $(DKMS_SRC)
	$(Q)install -d $(DKMS_SRC)
	$(Q)cp -a Kbuild kmod uapi $(DKMS_SRC)/
	$(Q)sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf
	$(Q)if [ -z "$(DESTDIR)" ]; then \
		dkms add -m netlog -v $(VERSION) && \
		dkms build -m netlog -v $(VERSION) && \
		dkms install -m netlog -v $(VERSION); \
	fi

dkms-remove:
	$(Q)dkms remove -m netlog -v $(VERSION) --all || true
	$(Q)rm -rf $(DKMS_SRC)

# netlog-dkms and netlog .debs in build/deb/, built from the committed files
# only (git ls-files), so that no stray object gets in.
deb:
	$(Q)rm -rf build/deb
	$(Q)mkdir -p build/deb/src/netlog-$(VERSION)
	$(Q)git ls-files -z | xargs -0 cp -a --parents -t build/deb/src/netlog-$(VERSION)
	$(Q)cd build/deb/src/netlog-$(VERSION) && dpkg-buildpackage -b -us -uc
	$(Q)mv build/deb/src/*.deb build/deb/src/*.buildinfo build/deb/src/*.changes build/deb/
	$(Q)ls build/deb/*.deb

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

.PHONY: all module module-in tools install dkms-install dkms-remove deb lint check bench demo clean
