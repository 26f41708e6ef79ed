"""Writes scikit-learn's bundled `digits` set (1797 8×8 images, no download) for the benchmark.

Output: <dir>/image.f32 (raw float32, 1797 × 64) and <dir>/labels.json.
"""

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
digits = load_digits()
digits.data.astype("<f4").tofile(out / "image.f32")
(out / "labels.json").write_text(json.dumps([int(t) for t in digits.target]))
print(json.dumps({"count": int(digits.data.shape[0]), "dim": int(digits.data.shape[1])}))
