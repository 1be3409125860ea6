"""The run report: figures (matplotlib Agg) and one self-contained HTML page.

``write_report(run)`` reads only the run directory (and the test split of its data)
and writes ``RUN/report.html`` plus ``RUN/figures/*.png``.
"""

from aekit.report.html import write_report

__all__ = ["write_report"]
