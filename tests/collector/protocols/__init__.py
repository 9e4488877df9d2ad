# SPDX-License-Identifier: GPL-2.0
"""One module per streaming destination: its checks and its answers."""
