// SPDX-License-Identifier: GPL-2.0
/*
 * Function symbols of an ELF file (vmlinux, a module, a program), by name,
 * with libelf: where SYMBOL+OFFSET is for addr2line (hpc/symbolize.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpc/symbolize.h"

struct tsym {
	const char *name;	/* in the ELF file's string table */
	unsigned long long value, size;
	size_t shndx;
};

struct hpc_symtab {
	int fd;
	Elf *elf;
	bool rel;		/* relocatable (a module): addresses per section */
	size_t shstrndx;
	struct tsym *s;
	size_t n;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct tsym *)a)->name, ((const struct tsym *)b)->name);
}

/* The code symbols of section scn (a SHT_SYMTAB) into t. */
static int load(struct hpc_symtab *t, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t cnt = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	if (!d)
		return -1;
	t->s = calloc(cnt ? cnt : 1, sizeof(*t->s));
	if (!t->s)
		return -1;
	for (size_t i = 0; i < cnt; i++) {
		GElf_Sym sym;
		GElf_Shdr tsh;
		Elf_Scn *ts;
		const char *name;
		int type;

		if (!gelf_getsym(d, (int)i, &sym))
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_NOTYPE) || sym.st_shndx == SHN_UNDEF ||
		    sym.st_shndx >= SHN_LORESERVE)
			continue;
		ts = elf_getscn(t->elf, sym.st_shndx);
		if (!ts || !gelf_getshdr(ts, &tsh) || !(tsh.sh_flags & SHF_EXECINSTR))
			continue;
		name = elf_strptr(t->elf, sh->sh_link, sym.st_name);
		if (!name || !name[0])
			continue;
		t->s[t->n++] = (struct tsym){ name, sym.st_value, sym.st_size, sym.st_shndx };
	}
	qsort(t->s, t->n, sizeof(*t->s), by_name);
	return 0;
}

struct hpc_symtab *hpc_symtab_open(const char *obj, char *why, size_t wlen)
{
	struct hpc_symtab *t = calloc(1, sizeof(*t));
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	GElf_Shdr sh;

	if (!t) {
		snprintf(why, wlen, "out of memory");
		return NULL;
	}
	elf_version(EV_CURRENT);
	t->fd = open(obj, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0) {
		snprintf(why, wlen, "%s: %s", obj, strerror(errno));
		free(t);
		return NULL;
	}
	t->elf = elf_begin(t->fd, ELF_C_READ_MMAP, NULL);
	if (!t->elf || elf_kind(t->elf) != ELF_K_ELF || !gelf_getehdr(t->elf, &eh) ||
	    elf_getshdrstrndx(t->elf, &t->shstrndx) < 0) {
		snprintf(why, wlen, "%s: not an ELF file (%s)", obj, elf_errmsg(-1));
		hpc_symtab_close(t);
		return NULL;
	}
	t->rel = eh.e_type == ET_REL;
	while ((scn = elf_nextscn(t->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			break;
	if (!scn) {
		snprintf(why, wlen, "%s: no symbol table (stripped?)", obj);
		hpc_symtab_close(t);
		return NULL;
	}
	if (load(t, scn, &sh) < 0) {
		snprintf(why, wlen, "%s: cannot read its symbols (%s)", obj, elf_errmsg(-1));
		hpc_symtab_close(t);
		return NULL;
	}
	return t;
}

int hpc_symtab_find(const struct hpc_symtab *t, const char *name, unsigned long long size,
		    const char **section, unsigned long long *addr)
{
	struct tsym key = { .name = name }, *hit, *pick;
	GElf_Shdr sh;
	Elf_Scn *scn;

	hit = bsearch(&key, t->s, t->n, sizeof(*t->s), by_name);
	if (!hit)
		return -1;
	/* static functions of the same name: the one of the frame's size */
	while (hit > t->s && strcmp(hit[-1].name, name) == 0)
		hit--;
	pick = hit;
	for (struct tsym *p = hit; p < t->s + t->n && strcmp(p->name, name) == 0; p++)
		if (p->size == size) {
			pick = p;
			break;
		}
	*addr = pick->value;
	*section = NULL;
	if (!t->rel)
		return 0;
	scn = elf_getscn(t->elf, pick->shndx);
	if (!scn || !gelf_getshdr(scn, &sh))
		return -1;
	*section = elf_strptr(t->elf, t->shstrndx, sh.sh_name);
	return *section ? 0 : -1;
}

void hpc_symtab_close(struct hpc_symtab *t)
{
	if (!t)
		return;
	if (t->elf)
		elf_end(t->elf);
	if (t->fd >= 0)
		close(t->fd);
	free(t->s);
	free(t);
}
