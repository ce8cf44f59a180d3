"""Record the honestdid package's answers for the honest_did oracle test (tests/fixtures/honestdid_flci.json).

    .venv/bin/pip install honestdid   # the Python port of R HonestDiD; it pulls in torch and cvxpy (GBs)
    .venv/bin/python scripts/make_honestdid_reference.py

honestdid is not a test dependency (torch alone is over 1 GB to install), so its outputs are recorded here
once, with its version and the exact inputs, and tests/test_honest_did.py compares govstudy.honest_did with
them (and with honestdid itself when it is installed). Inputs come from govstudy's public estimators.
"""

import importlib.metadata
import json
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_honest_did import CASES  # noqa: E402 -- the test's own inputs, so fixture and test cannot drift

import honestdid as H  # noqa: E402

out = {"honestdid_version": importlib.metadata.version("honestdid"), "cases": {}}
for name, make in CASES.items():
    b, V, n_pre, n_post, l_vec, Ms = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = H.createSensitivityResults(b, V, n_pre, n_post, Mvec=Ms, l_vec=l_vec)
        orig = H.constructOriginalCS(b, V, n_pre, n_post, l_vec=l_vec)
    out["cases"][name] = {"betahat": b.tolist(), "sigma": V.tolist(), "n_pre": n_pre, "n_post": n_post,
                          "l_vec": None if l_vec is None else np.asarray(l_vec).tolist(), "M": list(Ms),
                          "flci_lb": ref["lb"].tolist(), "flci_ub": ref["ub"].tolist(),
                          "original_lb": float(orig["lb"].iloc[0]), "original_ub": float(orig["ub"].iloc[0])}
path = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "honestdid_flci.json"
path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
print(f"wrote {path} (honestdid {out['honestdid_version']})")
