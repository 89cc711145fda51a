"""Rewrite shards so the next scan passes, changing nothing but the secrets.

Each secret span becomes its rule's typed placeholder (`REDACTED_AWS_ACCESS_KEY_ID`; the key
name and quotes around it stay; a PEM block becomes one line) and each public IP becomes a
fixed documentation-range address (so `/prefix` and `:port` stay valid). Rows without
findings, the schema, row-group sizes and each column's compression come through unchanged.

In place, a shard with findings is written to a hidden temporary file beside it, synced,
verified (same rows and row groups, only flagged rows differ, a rescan is clean) and renamed
over the original, whose hard link (or copy) stays in a backup folder unless told otherwise:
a kill at any moment leaves every shard fully old or fully new. With an output folder every
shard is written there, changed or not, so the validation shard stays last. The audit log
(JSON lines, never a secret) is written before each rename, so it covers every replacement.

One rewriter at a time: the folder written to is locked for the whole run (the source folder of
an --output-dir run is only read, and may be read-only), and a shard is rewritten only if it is
still the very file that was scanned (same inode, size, times and SHA-256), so byte offsets found
in one file are never applied to another. The checklist's cache entries of every shard written
are dropped.
"""

import contextlib
import hashlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from preflight.data.datapass import forget_shard
from preflight.data.shard_writer import writer_options
from preflight.data.shards import list_shards
from preflight.util.atomic_write import (append_jsonl, atomic_path, copy_atomic, keep_original,
                                         stale_temps)
from preflight.util.lock import FolderLocked, folder_lock

TEXT_COLUMN = "text"
_MAX_PASSES = 3


class SanitizeError(RuntimeError):
    """A shard could not be sanitized; the message names it. The original is untouched."""


# ----------------------------------------------------------------------------------------------
# one document

def replacement(rule, secret):
    """What stands in for `secret` found by `rule`."""
    return rule.replace(secret) if rule.replace is not None else rule.placeholder


def _splice(data, findings, scanner):
    out, pos = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        out += [data[pos:f.start],
                replacement(scanner.by_id[f.rule], data[f.start:f.end].decode("utf-8")).encode()]
        pos = f.end
    out.append(data[pos:])
    return b"".join(out)


def sanitize_document(data, findings, scanner, reviewed=frozenset(), shard="", row=0):
    """(new UTF-8 bytes, findings replaced) for one document and its (unreviewed) findings.

    Replaced text is scanned again, in case a lower-priority secret overlapped a replaced one,
    until it is clean (at most a few passes).
    """
    applied = []
    for _ in range(_MAX_PASSES):
        if not findings:
            break
        data = _splice(data, findings, scanner)
        applied += findings
        findings = [f for f in scanner.scan_text(data, shard, row) if f.fingerprint not in reviewed]
    return data, applied


def sanitize_text(text, scanner, reviewed=frozenset()):
    """(sanitized str, findings replaced) for one document given as str."""
    data = text.encode("utf-8")
    findings = [f for f in scanner.scan_text(data) if f.fingerprint not in reviewed]
    new, applied = sanitize_document(data, findings, scanner, reviewed)
    return new.decode("utf-8"), applied


# ----------------------------------------------------------------------------------------------
# one shard

@dataclass
class ShardScan:
    """A shard's findings (baseline already applied), what the baseline suppressed, and (when
    there are findings) which file they were found in: its identity and SHA-256."""

    name: str
    findings: list = field(default_factory=list)
    suppressed: int = 0
    identity: tuple = None
    digest: str = None

    @property
    def rows(self):
        return sorted({f.row for f in self.findings})


def _text_index(pf, path):
    names = pf.schema_arrow.names
    if TEXT_COLUMN not in names:
        raise SanitizeError(f"{path.name}: no '{TEXT_COLUMN}' column (columns: {names})")
    return names.index(TEXT_COLUMN)


def _identity(st):
    """What tells one file (version) from another without reading it."""
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _digest(f):
    f.seek(0)
    h = hashlib.sha256()
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
    return h.hexdigest()


def _readable_text(column):
    """The text column as plain strings (dictionary-encoded text is decoded)."""
    return column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column


def scan_shard(path, scanner, reviewed=frozenset()):
    """Scan every row group of the shard at `path`; a shard with findings records which file
    (identity and content hash) they belong to."""
    result = ShardScan(path.name)
    try:
        with pa.OSFile(str(path)) as f:
            before = _identity(os.fstat(f.fileno()))
            pf = pq.ParquetFile(f)
            _text_index(pf, path)
            offset = 0
            for i in range(pf.num_row_groups):
                text = _readable_text(pf.read_row_group(i, columns=[TEXT_COLUMN]).column(0))
                for finding in scanner.scan_array(text, path.name, offset):
                    if finding.fingerprint in reviewed:
                        result.suppressed += 1
                    else:
                        result.findings.append(finding)
                offset += len(text)
            if result.findings:
                result.identity, result.digest = before, _digest(f)
            if _identity(os.fstat(f.fileno())) != before:
                raise SanitizeError(f"{path.name}: changed while it was being scanned; run "
                                    f"sanitize again when nothing else writes to it")
    except (OSError, pa.ArrowException) as e:
        raise SanitizeError(f"{path.name}: cannot read the shard: {e}") from None
    return result


def _changed_since_scan(scan):
    return (f"{scan.name}: changed since it was scanned (another program rewrote it?); it was "
            f"left as it is: run sanitize again")


@contextlib.contextmanager
def open_scanned(path, scan):
    """The shard at `path` as a ParquetFile, only if it is exactly the file `scan` was made from
    (same identity, same SHA-256); SanitizeError otherwise. Everything read through it comes from
    that one open file, whatever happens to the name meanwhile."""
    with pa.OSFile(str(path)) as f:
        if _identity(os.fstat(f.fileno())) != scan.identity or _digest(f) != scan.digest:
            raise SanitizeError(_changed_since_scan(scan))
        f.seek(0)
        yield pq.ParquetFile(f)


def _audit_record(f, rule):
    kind = rule.placeholder if rule.replace is None else "documentation-range address"
    return {"shard": f.shard, "row": f.row, "rule": f.rule, "start": f.start, "end": f.end,
            "fingerprint": f.fingerprint, "replacement": kind}


def rewrite_shard(pf, dst, scan, scanner, reviewed=frozenset()):
    """Write the sanitized copy of the shard `pf` (from open_scanned) to `dst`; return the audit
    records."""
    col = _text_index(pf, Path(scan.name))
    by_row = {}
    for f in scan.findings:
        by_row.setdefault(f.row, []).append(f)
    audit, offset = [], 0
    with pq.ParquetWriter(dst, pf.schema_arrow, **writer_options(pf)) as writer:
        for i in range(pf.num_row_groups):
            table = pf.read_row_group(i)
            stored = table.column(col).type
            text = _readable_text(table.column(col)).combine_chunks()
            rows = [r for r in range(offset, offset + len(text)) if r in by_row]
            if rows:
                new_values = []
                for r in rows:
                    data = text[r - offset].as_py().encode("utf-8")
                    new, applied = sanitize_document(data, by_row[r], scanner, reviewed,
                                                     scan.name, r)
                    new_values.append(new.decode("utf-8"))
                    audit += [_audit_record(f, scanner.by_id[f.rule]) for f in applied]
                mask = np.zeros(len(text), dtype=bool)
                mask[[r - offset for r in rows]] = True
                text = pc.replace_with_mask(text, pa.array(mask), pa.array(new_values, text.type))
                table = table.set_column(col, table.schema.field(col), text.cast(stored))
            writer.write_table(table, row_group_size=max(1, table.num_rows))
            offset += table.num_rows
    return audit


def verify_shard(a, dst, scan, scanner, reviewed=frozenset()):
    """Raise SanitizeError unless `dst` is the shard `a` (from open_scanned) with only the flagged
    rows changed, clean."""
    b = pq.ParquetFile(dst)
    sizes = [a.metadata.row_group(i).num_rows for i in range(a.num_row_groups)]
    if [b.metadata.row_group(i).num_rows for i in range(b.num_row_groups)] != sizes:
        raise SanitizeError(f"{scan.name}: the rewritten shard has different row groups")
    if not b.schema_arrow.equals(a.schema_arrow, check_metadata=True):
        raise SanitizeError(f"{scan.name}: the rewritten shard has a different schema")
    col, allowed, offset = _text_index(a, Path(scan.name)), set(scan.rows), 0
    for i in range(a.num_row_groups):
        ta, tb = a.read_row_group(i), b.read_row_group(i)
        if not ta.remove_column(col).equals(tb.remove_column(col)):
            raise SanitizeError(f"{scan.name}: a column other than '{TEXT_COLUMN}' changed")
        old, new = _readable_text(ta.column(col)), _readable_text(tb.column(col))
        same = pc.fill_null(pc.equal(old, new), True).to_numpy(zero_copy_only=False)
        changed = {offset + int(r) for r in np.flatnonzero(~same)}
        if not changed <= allowed or old.null_count != new.null_count:
            raise SanitizeError(f"{scan.name}: rows without findings changed")
        left = [f for f in scanner.scan_array(new, scan.name, offset)
                if f.fingerprint not in reviewed]
        if left:
            raise SanitizeError(f"{scan.name}: row {left[0].row} still has a {left[0].rule} "
                                f"finding after sanitizing")
        offset += len(new)


# ----------------------------------------------------------------------------------------------
# the command

def _summary(scan):
    per_rule = Counter(f.rule for f in scan.findings)
    rules = ", ".join(f"{r} {n}" for r, n in sorted(per_rule.items()))
    extra = f" ({scan.suppressed} in the baseline)" if scan.suppressed else ""
    if not scan.findings:
        return f"{scan.name}: clean{extra}"
    return f"{scan.name}: {len(scan.findings)} finding(s) in {len(scan.rows)} row(s): {rules}{extra}"


def run_sanitize(data_dir, scanner, *, dry_run=False, output_dir=None, backup_dir=None,
                 no_backup=False, reviewed=frozenset(), audit_log=Path("reports/sanitize-audit.jsonl"),
                 cache_root=None, out=print):
    """Sanitize every shard of data_dir (see the module doc); return the exit code.

    `cache_root`: the checklist's cache, whose entries of every rewritten shard are dropped."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        out(f"error: {data_dir}: " + ("a file, not a data directory" if data_dir.exists()
                                      else "no such data directory"))
        return 2
    shards = list_shards(data_dir)
    if not shards:
        out(f"error: {data_dir}: no *.parquet shards")
        return 2
    if output_dir is not None and Path(output_dir).resolve() == data_dir.resolve():
        output_dir = None
    if backup_dir is None:
        backup_dir = data_dir / ".preflight-backup" / time.strftime("%Y%m%d-%H%M%S")
    target_dir = Path(output_dir) if output_dir is not None else data_dir
    with contextlib.ExitStack() as locks:
        if not dry_run:
            try:
                target_dir.mkdir(parents=True, exist_ok=True)
                locks.enter_context(folder_lock(target_dir, "preflight sanitize"))
            except FolderLocked as e:
                out(f"error: {e}")
                return 2
            except OSError as e:
                out(f"error: cannot lock {e.filename or target_dir} for writing: "
                    f"{e.strerror or e}")
                return 2
            for stale in stale_temps(target_dir):  # left by a killed run (none is running)
                stale.unlink(missing_ok=True)
        counts = _sanitize_shards(shards, scanner, target_dir, dry_run=dry_run,
                                  output_dir=output_dir, backup_dir=Path(backup_dir),
                                  no_backup=no_backup, reviewed=reviewed,
                                  audit_log=Path(audit_log), cache_root=cache_root, out=out)
    if counts is None:
        return 2
    total, changed_shards = counts
    verb = "would replace" if dry_run else "replaced"
    out(f"{verb} {total} secret(s) in {changed_shards} of {len(shards)} shard(s)"
        + ("; nothing was changed (dry run)" if dry_run else
           f"; shards in {target_dir}" + ("" if output_dir is not None or no_backup
                                          or not changed_shards else f", originals in {backup_dir}")
           + f"; audit log {audit_log}"))
    return 0


def _sanitize_shards(shards, scanner, target_dir, *, dry_run, output_dir, backup_dir, no_backup,
                     reviewed, audit_log, cache_root, out):
    """(secrets replaced, shards changed), or None after printing the error that stopped it."""
    changed_shards = total = 0
    for src in shards:
        target = target_dir / src.name
        try:
            scan = scan_shard(src, scanner, reviewed)
            out(_summary(scan))
            total += len(scan.findings)
            changed_shards += bool(scan.findings)
            if dry_run or (not scan.findings and output_dir is None):
                continue
            if not scan.findings:
                copy_atomic(src, target)
            else:
                with open_scanned(src, scan) as source, atomic_path(target) as tmp:
                    audit = rewrite_shard(source, tmp, scan, scanner, reviewed)
                    verify_shard(source, tmp, scan, scanner, reviewed)
                    if _identity(os.stat(src)) != scan.identity:  # the name still holds it
                        raise SanitizeError(_changed_since_scan(scan))
                    append_jsonl(audit_log, audit)
                    if output_dir is None and not no_backup:
                        keep_original(src, backup_dir)
            if cache_root is not None:
                forget_shard(cache_root, target)
        except (SanitizeError, OSError, pa.ArrowException) as e:
            out(f"error: {e if isinstance(e, SanitizeError) else f'{src.name}: {e}'}")
            return None
    return total, changed_shards
