"""Configurational comparison (QCA): crisp-, multi-value and fuzzy-set QCA checked against R's QCA package.

Calibrate raw measures, test necessity, build a truth table, minimise it to every equally minimal
model, and check fit, assumptions and robustness.

Why our own code: no maintained Python QCA library is trustworthy (they describe themselves as
experimental, attach fit values to the wrong model and return one of several tied models), so
govstudy implements the algorithms and tests them against R QCA's published results.

>>> import pandas as pd
>>> from govstudy import qca
>>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 1, 0]})
>>> qca.minimize(qca.truth_table(d, "Y", ["A", "B"]), "parsimonious").models
['A + B']
"""

from govstudy.qca.calibrate import calibrate
from govstudy.qca.data import QCAWarning
from govstudy.qca.fit import FitResult, fit
from govstudy.qca.truth_table import TruthTable, truth_table
from govstudy.qca.minimize import Solution, minimize
from govstudy.qca.necessity import NecessityResult, necessity, super_subset
from govstudy.qca.assumptions import find_rows
from govstudy.qca.robustness import RobustnessResult, robustness
from govstudy.qca.simulate import simulate_configurations

__all__ = ["calibrate", "QCAWarning", "fit", "FitResult", "truth_table", "TruthTable", "minimize", "Solution",
           "necessity", "super_subset", "NecessityResult", "find_rows", "robustness", "RobustnessResult",
           "simulate_configurations"]
