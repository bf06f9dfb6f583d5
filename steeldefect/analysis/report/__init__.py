"""The error-analysis report of trained runs: OOF scores, classifier ROC, pixel confusion, area
histograms, worst images and Dice surfaces, written as one HTML page with PNG figures."""

from steeldefect.analysis.report.build import ReportInputs, ReportResult, build_report

__all__ = ["ReportInputs", "ReportResult", "build_report"]
