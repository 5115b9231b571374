"""Whether a score calibration was fitted under the run's kinematics settings.

A calibration maps a highlight's evidence, and much of that evidence is the kinematics stage's:
the trigger's strength, how many detections merged into the highlight, how many others lie near
it. Those numbers change meaning with the kinematics settings (`kinematics.trigger_nms_per_track`
keeps a trigger per person where one per second was kept before), so a map fitted under other
settings scores evidence it was not fitted on. Loading says so in one line; the map is still
applied, as the settings may differ on purpose.

The packaged calibration records the settings under ``fitted_on["kinematics"]``
(`scripts/make_default_calibration.py`); a file from `highlights pipeline calibrate` records the
whole config, kinematics included, under ``fitted_on["config"]``. A file that records neither
(fitted before either did) is not checked.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

log = logging.getLogger(__name__)
# Lines already said in this process: a batch resolves the calibration once per game.
_SAID: set[str] = set()


def kinematics_fitted_under(fitted_on: dict[str, Any]) -> dict[str, Any] | None:
    """The kinematics settings a calibration's ``fitted_on`` records, or None. ``fitted_on`` is
    provenance a user may have edited by hand: what is not a mapping where one is read is none."""
    recorded = fitted_on.get("kinematics")
    config = fitted_on.get("config")
    if recorded is None and isinstance(config, dict):
        recorded = config.get("kinematics")
    return recorded if isinstance(recorded, dict) else None


def kinematics_differences(fitted_on: dict[str, Any], config) -> list[str]:
    """Each kinematics setting the fit recorded with another value than `config`'s, as "NAME
    FITTED (this run: VALUE)". A setting the fit did not record (one added since) is not
    compared."""
    recorded = kinematics_fitted_under(fitted_on)
    if recorded is None:
        return []
    run = asdict(config.kinematics)
    return [f"kinematics.{name}={recorded[name]!r} (this run: {value!r})"
            for name, value in run.items() if name in recorded and recorded[name] != value]


def other_kinematics_line(source, fitted_on: dict[str, Any], config) -> str | None:
    """One line saying the calibration at `source` was fitted under other kinematics settings than
    `config`'s, or None."""
    differ = kinematics_differences(fitted_on, config)
    if not differ:
        return None
    return (f"{source}: this score calibration was fitted with {', '.join(differ)}; the evidence "
            "it weighs (trigger strength, detections merged, highlights near) means something "
            "else under other kinematics settings, so its scores and ranks may not hold: fit one "
            "under these settings (`highlights pipeline calibrate`) or set "
            "merge.score_calibration=none")


def warn_of_other_kinematics(source, fitted_on: dict[str, Any], config) -> None:
    """Logs `other_kinematics_line` once per process, where there is one."""
    line = other_kinematics_line(source, fitted_on, config)
    if line and line not in _SAID:
        _SAID.add(line)
        log.warning("warning: %s", line)
