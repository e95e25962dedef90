# SPDX-License-Identifier: GPL-2.0
#
# make            build sendmmsg_trace.ko against the running kernel (or KDIR=)
#                 and the reader in userspace/
# make check      run every test: host unit tests and the VM matrix
# make demo       boot a Debian kernel in QEMU and show traced calls
# make bench      benchmark against ftrace/bpftrace in a VM

KDIR ?= /lib/modules/$(shell uname -r)/build
PWD  := $(CURDIR)
PREFIX ?= /usr/local

.PHONY: all modules reader clean check demo bench install uninstall sign

all: modules reader

modules:
	$(MAKE) -C $(KDIR) M=$(PWD) modules

reader:
	$(MAKE) -C userspace

check:
	tests/check.sh

demo:
	tests/demo.sh

bench:
	tests/bench.sh

install: all
	$(MAKE) -C $(KDIR) M=$(PWD) INSTALL_MOD_DIR=extra modules_install
	depmod -a $(notdir $(patsubst %/build,%,$(realpath $(KDIR))))
	install -D -m 0755 userspace/sendmmsg-trace $(DESTDIR)$(PREFIX)/bin/sendmmsg-trace

clean:
	$(MAKE) -C userspace clean
	rm -rf build
	rm -f *.o *.ko *.mod *.mod.c *.mod.o .*.cmd modules.order Module.symvers
	rm -rf .tmp_versions
