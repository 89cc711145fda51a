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
"""

import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from preflight.data.shard_writer import writer_options
from preflight.data.shards import list_shards
from preflight.util.atomic_write import atomic_path, copy_atomic, fsync_dir, stale_temps

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
    """A shard's findings (baseline already applied) and what the baseline suppressed."""

    name: str
    findings: list = field(default_factory=list)
    suppressed: int = 0

    @property
    def rows(self):
        return sorted({f.row for f in self.findings})


def _text_index(pf, path):
    names = pf.schema_arrow.names
    if TEXT_COLUMN not in names:
        raise SanitizeError(f"{path.name}: no '{TEXT_COLUMN}' column (columns: {names})")
    return names.index(TEXT_COLUMN)


def scan_shard(path, scanner, reviewed=frozenset()):
    """Scan every row group of the shard at `path`."""
    result = ShardScan(path.name)
    try:
        pf = pq.ParquetFile(path)
        _text_index(pf, path)
        offset = 0
        for i in range(pf.num_row_groups):
            text = pf.read_row_group(i, columns=[TEXT_COLUMN]).column(0)
            for f in scanner.scan_array(text, path.name, offset):
                if f.fingerprint in reviewed:
                    result.suppressed += 1
                else:
                    result.findings.append(f)
            offset += len(text)
    except (OSError, pa.ArrowException) as e:
        raise SanitizeError(f"{path.name}: cannot read the shard: {e}") from None
    return result


def _audit_record(f, rule):
    kind = rule.placeholder if rule.replace is None else "documentation-range address"
    return {"shard": f.shard, "row": f.row, "rule": f.rule, "start": f.start, "end": f.end,
            "fingerprint": f.fingerprint, "replacement": kind}


def rewrite_shard(src, dst, scan, scanner, reviewed=frozenset()):
    """Write the sanitized copy of `src` to `dst` (synced); return the audit records."""
    pf = pq.ParquetFile(src)
    col = _text_index(pf, src)
    by_row = {}
    for f in scan.findings:
        by_row.setdefault(f.row, []).append(f)
    audit, offset = [], 0
    with pq.ParquetWriter(dst, pf.schema_arrow, **writer_options(pf)) as writer:
        for i in range(pf.num_row_groups):
            table = pf.read_row_group(i)
            text = table.column(col).combine_chunks()
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
                table = table.set_column(col, table.schema.field(col), text)
            writer.write_table(table, row_group_size=max(1, table.num_rows))
            offset += table.num_rows
    return audit


def verify_shard(src, dst, scan, scanner, reviewed=frozenset()):
    """Raise SanitizeError unless `dst` is `src` with only the flagged rows changed, clean."""
    a, b = pq.ParquetFile(src), pq.ParquetFile(dst)
    sizes = [a.metadata.row_group(i).num_rows for i in range(a.num_row_groups)]
    if [b.metadata.row_group(i).num_rows for i in range(b.num_row_groups)] != sizes:
        raise SanitizeError(f"{scan.name}: the rewritten shard has different row groups")
    if not b.schema_arrow.equals(a.schema_arrow, check_metadata=True):
        raise SanitizeError(f"{scan.name}: the rewritten shard has a different schema")
    col, allowed, offset = _text_index(a, src), set(scan.rows), 0
    for i in range(a.num_row_groups):
        ta, tb = a.read_row_group(i), b.read_row_group(i)
        if not ta.remove_column(col).equals(tb.remove_column(col)):
            raise SanitizeError(f"{scan.name}: a column other than '{TEXT_COLUMN}' changed")
        old, new = ta.column(col), tb.column(col)
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

def _append_audit(audit_log, records):
    if not records:
        return
    audit_log.parent.mkdir(parents=True, exist_ok=True)
    with open(audit_log, "a", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec) + "\n")
        f.flush()
        os.fsync(f.fileno())


def _backup(src, backup_dir):
    backup_dir.mkdir(parents=True, exist_ok=True)
    target = backup_dir / src.name
    if target.exists():
        return
    try:
        os.link(src, target)
    except OSError:  # another filesystem, or no hard links: copy, then rename into place
        copy_atomic(src, target)
    fsync_dir(backup_dir)


def _summary(scan):
    per_rule = Counter(f.rule for f in scan.findings)
    rules = ", ".join(f"{r} {n}" for r, n in sorted(per_rule.items()))
    extra = f" ({scan.suppressed} in the baseline)" if scan.suppressed else ""
    if not scan.findings:
        return f"{scan.name}: clean{extra}"
    return f"{scan.name}: {len(scan.findings)} finding(s) in {len(scan.rows)} row(s): {rules}{extra}"


def run_sanitize(data_dir, scanner, *, dry_run=False, output_dir=None, backup_dir=None,
                 no_backup=False, reviewed=frozenset(), audit_log=Path("reports/sanitize-audit.jsonl"),
                 out=print):
    """Sanitize every shard of data_dir (see the module doc); return the exit code."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        out(f"error: {data_dir}: no such data directory")
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
    if not dry_run:
        target_dir.mkdir(parents=True, exist_ok=True)
        for stale in stale_temps(target_dir):  # left by a killed run
            stale.unlink(missing_ok=True)
    changed_shards = total = 0
    for src in shards:
        try:
            scan = scan_shard(src, scanner, reviewed)
            out(_summary(scan))
            total += len(scan.findings)
            changed_shards += bool(scan.findings)
            if dry_run:
                continue
            if not scan.findings:
                if output_dir is not None:
                    copy_atomic(src, target_dir / src.name)
                continue
            with atomic_path(target_dir / src.name) as tmp:
                audit = rewrite_shard(src, tmp, scan, scanner, reviewed)
                verify_shard(src, tmp, scan, scanner, reviewed)
                _append_audit(Path(audit_log), audit)
                if output_dir is None and not no_backup:
                    _backup(src, Path(backup_dir))
        except (SanitizeError, OSError, pa.ArrowException) as e:
            out(f"error: {e if isinstance(e, SanitizeError) else f'{src.name}: {e}'}")
            return 2
    verb = "would replace" if dry_run else "replaced"
    out(f"{verb} {total} secret(s) in {changed_shards} of {len(shards)} shard(s)"
        + ("; nothing was changed (dry run)" if dry_run else
           f"; shards in {target_dir}" + ("" if output_dir is not None or no_backup
                                          or not changed_shards else f", originals in {backup_dir}")
           + f"; audit log {audit_log}"))
    return 0
