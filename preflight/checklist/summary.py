"""The summary of a checklist run: what each step learned, in one table.

Steps fill it as they go (a row per topic, plus machine-readable facts); the plugin prints it at the
end of every run, puts it at the top of the HTML report and writes it to reports/summary.json. A run
stopped early still shows what it learned.
"""

from dataclasses import dataclass, field

# The rows of the table, in the order they are shown.
STATUS_ORDER = ("ok", "warn", "fail")
ROWS = ("Nanochat", "Dataset", "Duplicates", "Secrets", "Tokenizer", "Model", "Param/Token",
        "Est. epochs", "Horizon", "Hardware", "Time", "Launch")


@dataclass
class Row:
    value: str
    details: str = ""
    status: str = "ok"  # ok | warn | fail


@dataclass
class Section:
    """A titled table a step adds to the HTML report (e.g. the biggest duplicate clusters)."""
    title: str
    columns: list
    rows: list          # lists of cells, as text
    note: str = ""


@dataclass(repr=False)
class Summary:
    rows: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)   # section -> JSON-safe dict
    warnings: list = field(default_factory=list)  # [nodeid, category, message]
    outcomes: dict = field(default_factory=dict)  # nodeid -> passed|failed|error|skipped
    not_run: list = field(default_factory=list)
    collected: list = field(default_factory=list)  # nodeids of the checks this run collected
    skipped: dict = field(default_factory=dict)    # nodeid -> why it was skipped
    deselected: int = 0  # checks left out with -k / -m: the run is not the whole checklist
    exit_status: int = None
    run_id: str = None  # set by launch.py, which reads only its own run's summary
    plots: dict = field(default_factory=dict)   # name -> inline SVG
    sections: dict = field(default_factory=dict)  # name -> Section: a titled table for the report

    def __repr__(self):
        return (f"Summary({len(self.rows)} rows, {len(self.outcomes)} outcomes, "
                f"{len(self.warnings)} warnings)")

    def row(self, name: str, value: str, details: str = "", status: str = "ok") -> None:
        """Set a table row; `name` must be one of ROWS. A status set earlier only gets worse."""
        if name not in ROWS:
            raise KeyError(f"unknown summary row {name!r}")
        if name in self.rows and STATUS_ORDER.index(self.rows[name].status) > STATUS_ORDER.index(status):
            status = self.rows[name].status
        self.rows[name] = Row(value, details, status)

    def mark(self, name: str, status: str) -> None:
        """Raise a row's status (never lowers it)."""
        if name in self.rows:
            self.row(name, self.rows[name].value, self.rows[name].details, status)

    def fail(self, name: str, reason: str) -> None:
        """A check of this row failed: keep what the row learned, else show the reason."""
        if name in self.rows:
            row = self.rows[name]
            self.rows[name] = Row(row.value, f"{reason}; {row.details}" if row.details else reason,
                                  "fail")
        else:
            self.rows[name] = Row("FAILED", reason, "fail")

    def table(self) -> list:
        """[(row, value, details, status)] in display order."""
        return [(n, r.value, r.details, r.status) for n, r in
                ((n, self.rows[n]) for n in ROWS if n in self.rows)]

    def to_json(self) -> dict:
        return {
            "exit_status": self.exit_status,
            "table": [dict(row=n, value=v, details=d, status=s) for n, v, d, s in self.table()],
            "facts": self.facts,
            "warnings": [dict(test=n, category=c, message=m) for n, c, m in self.warnings],
            "outcomes": self.outcomes,
            "not_run": self.not_run,
            "collected": self.collected,
            "skipped": self.skipped,
            "deselected": self.deselected,
            "run_id": self.run_id,
        }
