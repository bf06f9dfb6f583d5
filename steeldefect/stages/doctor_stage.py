"""Stage `doctor`: can this machine train and predict, and where would the models run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from steeldefect.stages._common import require_config_for_overrides
from steeldefect.doctor import diagnose, format_diagnosis


@dataclass(frozen=True)
class DoctorArgs:
    config: Path | None = None  # a training config: its weights and its CPU training time
    overrides: tuple[str, ...] = ()  # --set KEY.PATH=VALUE on the config
    data: Path | None = None  # a dataset or TFRecords folder: is it complete


@dataclass(frozen=True)
class DoctorResult:
    diagnosis: object  # doctor.Diagnosis: facts, warnings, problems

    @property
    def usable(self) -> bool:
        return self.diagnosis.usable

    def text(self) -> str:
        """The facts, warnings and problems, one a line."""
        return format_diagnosis(self.diagnosis)

    def error_line(self) -> str:
        """The first problem and how many more, for a one-line error."""
        problems = self.diagnosis.problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return f"{problems[0]}{more}" if problems else ""


def doctor(args: DoctorArgs) -> DoctorResult:
    """Versions, the TensorFlow build, devices, strategy and precision; a config's weights; a data folder."""
    require_config_for_overrides(args.config, args.overrides)
    return DoctorResult(diagnose(args.config, args.data, overrides=list(args.overrides)))

