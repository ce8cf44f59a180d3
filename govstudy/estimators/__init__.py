"""Policy-evaluation estimators: 2x2 DiD, two-way fixed effects, event studies, staggered adoption.

Every estimator takes a tidy long DataFrame plus column names (or a :class:`govstudy.Panel`)
and returns a result with ``.estimate``, ``.std_error``, ``.tidy()``, ``.summary()`` and ``.plot()``.
"""

from govstudy.estimators.bacon import BaconResult, bacon_decomposition
from govstudy.estimators.did import did_2x2
from govstudy.estimators.event_study import event_study
from govstudy.errors import FewClustersWarning, FewTreatedClustersWarning, SampleWarning
from govstudy.estimators.inference import InferenceResult
from govstudy.estimators.ritest import randomization_inference
from govstudy.estimators.wild_bootstrap import wild_cluster_bootstrap
from govstudy.estimators.results import EstimationResult, EventStudyResult, FitDesign
from govstudy.estimators.aggte import AggregateResult
from govstudy.estimators.staggered import ATTgtResult, att_gt
from govstudy.estimators.synth import PoorFitWarning, SynthResult, synth
from govstudy.estimators.ols import CollinearityWarning
from govstudy.estimators.twfe import twfe
from govstudy.estimators.imputation import ImputationResult, did_imputation
from govstudy.estimators.honest_did import HonestDiDResult, honest_did
from govstudy.estimators.etwfe import ETWFEResult, etwfe

__all__ = ["did_2x2", "twfe", "event_study", "att_gt", "bacon_decomposition", "EstimationResult",
           "EventStudyResult", "ATTgtResult", "AggregateResult", "BaconResult", "CollinearityWarning",
           "FewTreatedClustersWarning", "synth", "SynthResult", "PoorFitWarning", "wild_cluster_bootstrap",
           "randomization_inference", "InferenceResult", "FewClustersWarning", "SampleWarning", "FitDesign",
           "did_imputation", "ImputationResult", "honest_did", "HonestDiDResult", "etwfe", "ETWFEResult"]
