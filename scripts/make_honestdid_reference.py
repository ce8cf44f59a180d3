"""Record the honestdid package's answers for the honest_did oracle tests (tests/fixtures/honestdid_flci.json for
smoothness, tests/fixtures/honestdid_rm.json for relative magnitudes).

    .venv/bin/pip install honestdid   # the Python port of R HonestDiD; it pulls in torch and cvxpy (GBs)
    .venv/bin/python scripts/make_honestdid_reference.py [flci | rm [case ...]]

honestdid is not a test dependency (torch alone is over 1 GB to install), so its outputs are recorded here
once, with its version and the exact inputs, and tests/test_honest_did.py compares govstudy.honest_did with
them (and with honestdid itself for smoothness when it is installed; its relative-magnitudes grid search takes
minutes per case). Inputs come from govstudy's public estimators. ``rm case ...`` re-records only those cases
(the port is slow: about 30 s per value of Mbar with 3 pre- and 4 post-periods) and keeps the others.
"""

import importlib.metadata
import json
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_honest_did import CASES, RM_CASES  # noqa: E402 -- the test's own inputs, so fixture and test cannot drift

import honestdid as H  # noqa: E402


def _numpy2_port():
    """honestdid 0.1.1's core with float(x) taking 1 x 1 arrays: the port calls float(v' S v) on 1 x 1 products
    in its ARP tests, which NumPy >= 2 refuses (TypeError). Only those calls change (the value is the same)."""
    import re
    import types
    src = Path(H.core.__file__).read_text(encoding="utf-8")
    mod = types.ModuleType("honestdid_core_numpy2")
    mod._scalar = lambda x=0.0: float(np.asarray(x, dtype=np.float64).item()) if np.ndim(x) else float(x)
    exec(compile(re.sub(r"(?<![\w.])float\(", "_scalar(", src), H.core.__file__, "exec"), mod.__dict__)  # noqa: S102
    return mod


RM_PORT = _numpy2_port()

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
VERSION = importlib.metadata.version("honestdid")


def flci():
    out = {"honestdid_version": VERSION, "cases": {}}
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
    path = FIXTURES / "honestdid_flci.json"
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path} (honestdid {VERSION})")


def rm(names):
    path = FIXTURES / "honestdid_rm.json"
    out = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"cases": {}}
    out["honestdid_version"] = VERSION
    for name in names or RM_CASES:
        b, V, n_pre, n_post, l_vec, Mbars, methods = RM_CASES[name]()
        lv = np.eye(n_post)[0] if l_vec is None else np.asarray(l_vec, float)
        rec = {"betahat": b.tolist(), "sigma": V.tolist(), "n_pre": n_pre, "n_post": n_post, "l_vec": lv.tolist(),
               "Mbar": list(Mbars),
               # the port's theta grid (its default): 1,000 points on +-20 sd(l' beta_post)
               "grid_step": float(40 * np.sqrt(lv @ V[n_pre:, n_pre:] @ lv) / 999)}
        for method in methods:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = RM_PORT.createSensitivityResults_relativeMagnitudes(b, V, n_pre, n_post, Mbarvec=Mbars,
                                                                          l_vec=l_vec, method=method)
            rec[method] = {"lb": ref["lb"].tolist(), "ub": ref["ub"].tolist()}
        out["cases"][name] = rec
        path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        print(f"recorded {name} in {path} (honestdid {VERSION})", flush=True)


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what in ("flci", "all"):
        flci()
    if what in ("rm", "all"):
        rm(sys.argv[2:])
