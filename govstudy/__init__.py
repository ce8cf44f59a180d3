"""govstudy: evidence from party-building-led grassroots governance reforms (党建引领基层治理).

>>> import govstudy
>>> cases = govstudy.load("cases")
>>> sorted(cases.loc[cases["source_id"] == "seed", "case_id"])
['nancheng', 'yuan']
"""

from govstudy.compare import Comparison, compare_cases
from govstudy.datasets import list_datasets, load, load_text
from govstudy.errors import (ArgumentError, DataValidationError, DatasetNotFoundError, FewClustersWarning,
                             FewTreatedClustersWarning, FileMissingError, GovstudyError, GovstudyWarning,
                             PanelWarning, PeriodSpacingWarning, ReadError, SampleWarning)
from govstudy.io import read_table
from govstudy.panel import Panel
from govstudy.periods import PeriodMap, period_numbers
from govstudy.policy import adoption_cohorts
from govstudy.estimators import att_gt, bacon_decomposition, did_2x2, event_study, twfe
from govstudy.estimators import randomization_inference, synth, wild_cluster_bootstrap
from govstudy.estimators import did_imputation, honest_did
from govstudy.estimators import ETWFEResult, etwfe
from govstudy.text.extract import extract_indicators, extract_indicators_file
from govstudy.simulate import Design, simulate_panel
from govstudy.power import power
from govstudy.model_table import model_table
from govstudy import qca
from govstudy import appeals
from govstudy.appeals import simulate_appeals

__version__ = "0.1.0"

__all__ = [
    "Comparison",
    "compare_cases",
    "extract_indicators",
    "extract_indicators_file",
    "ArgumentError",
    "DataValidationError",
    "GovstudyWarning",
    "PanelWarning",
    "SampleWarning",
    "PeriodSpacingWarning",
    "FewClustersWarning",
    "FewTreatedClustersWarning",
    "PeriodMap",
    "period_numbers",
    "adoption_cohorts",
    "DatasetNotFoundError",
    "FileMissingError",
    "GovstudyError",
    "ReadError",
    "list_datasets",
    "load",
    "load_text",
    "read_table",
    "Panel",
    "did_2x2",
    "twfe",
    "event_study",
    "att_gt",
    "did_imputation",
    "etwfe",
    "ETWFEResult",
    "honest_did",
    "bacon_decomposition",
    "synth",
    "wild_cluster_bootstrap",
    "randomization_inference",
    "Design",
    "simulate_panel",
    "power",
    "model_table",
    "qca",
    "appeals",
    "simulate_appeals",
]
