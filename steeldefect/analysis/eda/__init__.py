"""Exploratory data analysis: label statistics, mask shapes, charts and the eda.json report."""

from steeldefect.analysis.eda.report import compute_eda, format_eda, write_eda
from steeldefect.analysis.eda.label_sources import LabelSource, from_table, load_label_source, resolve_inputs

__all__ = ["LabelSource", "compute_eda", "format_eda", "from_table", "load_label_source",
           "resolve_inputs", "write_eda"]
