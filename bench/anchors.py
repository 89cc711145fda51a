"""The two anchor scanners of the secrets benchmark, run in memory on a list of documents:
detect-secrets 1.5.0 (all plugins, default filters) and CredSweeper (default ML validation, or
none). Each finding comes back as (document index, character start, character end, type).

Our own code over the tools' Python APIs (`pip install detect-secrets==1.5.0 credsweeper`).
detect-secrets is scanned the way `scan_file` does it, without files: the file-name filters on
a fake name, YAML/INI transformers for unquoted values, and the eager pass when the first finds
nothing. Its `secret_value` is only the prefix for GitHub/GitLab tokens, so spans are compared
by overlap. CredSweeper gets the documents as in-memory FilesProvider entries, which it scans
whatever their name. `names` (file paths) matter: both tools choose regexes by extension.
"""

import io
import os
import re
from typing import NamedTuple

_LINEBREAK = re.compile(r"\r\n|\r|\n")


class AnchorFinding(NamedTuple):
    doc: int
    start: int  # character offsets in the document, -1 when the value was not found
    end: int
    type: str


def _line_starts(text):
    return [0] + [m.end() for m in _LINEBREAK.finditer(text)]


def _locate(text, starts, line, value, hint=-1):
    """Character offset of `value` on 1-based `line` (at column `hint` when given)."""
    if not value:
        return -1
    if 1 <= line <= len(starts):
        ls = starts[line - 1]
        le = starts[line] if line < len(starts) else len(text)
        if hint >= 0 and text.startswith(value, ls + hint):
            return ls + hint
        pos = text.find(value, ls, le + len(value))
        if pos >= 0:
            return pos
    return text.find(value)


def _name(i, names):
    base = os.path.basename(names[i]) if names is not None else ""
    return f"doc{i}/{base or 'doc.txt'}"


def _finding(i, text, line, value, kind, hint=-1):
    start = _locate(text, _line_starts(text), line, value, hint)
    return AnchorFinding(i, start, start + len(value) if start >= 0 else -1, kind)


def detect_secrets_scan(texts, names=None):
    """detect-secrets 1.5.0 with its default settings over `texts` (see the module doc)."""
    from detect_secrets.core import scan as ds_scan
    from detect_secrets.settings import default_settings, get_filters, get_settings
    from detect_secrets.transformers import get_transformed_file

    out = []
    with default_settings():  # the settings revert when this context closes
        get_settings().disable_filters("detect_secrets.filters.common.is_invalid_file")
        get_filters.cache_clear()
        for i, text in enumerate(texts):
            fname = _name(i, names)
            if ds_scan._is_filtered_out(required_filter_parameters=["filename"], filename=fname):
                continue
            found = []
            for eager in (False, True):
                f = io.StringIO(text)
                f.name = fname
                lines = get_transformed_file(f, use_eager_transformers=eager)
                if not lines and eager:
                    break
                if not lines:
                    lines = io.StringIO(text, newline=None).readlines()
                found = list(ds_scan._process_line_based_plugins(
                    lines=list(enumerate(lines, start=1)), filename=fname))
                if found:
                    break
            out += [_finding(i, text, s.line_number, s.secret_value or "", s.type) for s in found]
    return out


_CREDSWEEPER = {}


def credsweeper_scan(texts, names=None, ml=True, batch=2000):
    """CredSweeper with its default configuration (ML validation at the `medium` threshold, as
    `credsweeper --path`), or with no ML validation (`ml=False`, the CLI's `--ml_threshold 0`)."""
    from credsweeper.app import CredSweeper
    from credsweeper.common.constants import ThresholdPreset
    from credsweeper.file_handler.files_provider import FilesProvider

    threshold = ThresholdPreset.medium if ml else 0  # the int 0 turns ML off; 0.0 would not
    if ml not in _CREDSWEEPER:
        _CREDSWEEPER[ml] = CredSweeper(ml_threshold=threshold)
    cs = _CREDSWEEPER[ml]
    out = []
    for b0 in range(0, len(texts), batch):
        provider = FilesProvider([(_name(i, names), io.BytesIO(texts[i].encode("utf-8")))
                                  for i in range(b0, min(len(texts), b0 + batch))])
        cs.credential_manager.clear_credentials()
        cs.run(content_provider=provider)
        for cand in cs.credential_manager.get_credentials():
            for ld in cand.line_data_list:
                i = int(ld.path.split("/", 1)[0][3:])
                hint = ld.value_start if ld.value_start is not None else -1
                out.append(_finding(i, texts[i], ld.line_num, ld.value or "", cand.rule_name, hint))
        cs.credential_manager.clear_credentials()
    return out
