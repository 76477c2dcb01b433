"""The COM-B barrier/facilitator report: matrix, sub-themes, quotes, charts, agreement."""

from .build import Cell, Chart, Exemplar, Report, SubTheme, build_report, report
from .coded import CodedUtterance, coded_from_dict, read_coded
from .write import FORMATS, write_report

__all__ = [
    "FORMATS", "Cell", "Chart", "CodedUtterance", "Exemplar", "Report", "SubTheme",
    "build_report", "coded_from_dict", "read_coded", "report", "write_report",
]
