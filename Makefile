# SPDX-License-Identifier: GPL-2.0
#
# make              the module against the running kernel (or KDIR=...) and
#                   the reader in userspace/
# make check        every test: host checks and the VM kernel matrix
# make demo         boot a Debian kernel in QEMU and show traced calls
# make bench        overhead benchmark in QEMU (bench/README.md); not a test
# make install      module into /lib/modules/<release>/extra, depmod, reader
#                   into $(PREFIX)/bin; make uninstall undoes it
# make sign KEY=... CERT=...   sign the module for Secure Boot hosts

KDIR ?= /lib/modules/$(shell uname -r)/build
KREL ?= $(shell $(MAKE) -s -C $(KDIR) kernelrelease 2>/dev/null)
PREFIX ?= /usr/local
MODULE := sendmmsg_trace.ko

.PHONY: all modules reader clean check demo bench install uninstall sign

all: modules reader

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

reader:
	$(MAKE) -C userspace

check:
	tests/check.sh

demo:
	tests/demo.sh

bench:
	bash tests/bench.sh

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra modules_install
	depmod -a $(KREL)
	install -D -m 0755 userspace/sendmmsg-trace $(DESTDIR)$(PREFIX)/bin/sendmmsg-trace

uninstall:
	rm -f /lib/modules/$(KREL)/extra/$(MODULE) /lib/modules/$(KREL)/extra/$(MODULE).*
	depmod -a $(KREL)
	rm -f $(DESTDIR)$(PREFIX)/bin/sendmmsg-trace

# The kernel's own tool; the key and certificate must be enrolled (MOK).
sign: modules
	@test -n "$(KEY)" -a -n "$(CERT)" || \
		{ echo "usage: make sign KEY=signing_key.pem CERT=signing_key.x509"; exit 1; }
	$(KDIR)/scripts/sign-file sha256 $(KEY) $(CERT) $(MODULE)

clean:
	$(MAKE) -C userspace clean
	rm -rf build
	rm -f *.o *.ko *.mod *.mod.c *.mod.o .*.cmd modules.order Module.symvers
	rm -f .module-common.o
	rm -rf .tmp_versions
