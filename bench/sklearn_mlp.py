#!/usr/bin/python3
"""scikit-learn's MLPClassifier.partial_fit on a numeric CSV, prequentially, as inc-learn's MLP runs.

    /usr/bin/python3 bench/sklearn_mlp.py FILE [--batch-size 32] [--hidden 32] [--lr 0.005] [--seed 1]

Same protocol as `inc-learn train FILE --model mlp --hidden 32 --batch-size 32`:
  * the CSV has a header; the target is the column named label, class, target or y, else the last one;
  * numeric features are standardized online: each row with the running mean and sample standard
    deviation of the rows before it (sd 1 until two rows are seen, 0 when the sd is 0), then the
    running statistics take the row in (inc-learn's Featurizer);
  * rows go in blocks of --batch-size: the block is predicted and scored first (test), then learned
    with one partial_fit call (train). Before the first partial_fit the model predicts uniform
    probabilities;
  * one hidden ReLU layer, Adam with lr 0.005, no L2 (alpha=0), no shuffling inside a batch.

The standardization of a block is vectorized with numpy (exclusive prefix sums inside the block, combined
with the running statistics), giving the same numbers as the row-by-row update up to rounding, so
that Python's per-row overhead is not charged to scikit-learn.

Prints one JSON line: rows, rows_per_sec (the test-then-train loop: standardize, predict_proba,
partial_fit; CSV reading and imports excluded), accuracy, loss (mean log loss), seconds,
load_seconds, sklearn version.
"""
import argparse
import json
import sys
import time

T_START = time.perf_counter()

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402


def read_csv(path, target):
    with open(path, "r", encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    if target is None:
        lower = [h.strip().lower() for h in header]
        target = next((header[lower.index(n)] for n in ("label", "class", "target", "y") if n in lower), header[-1])
    t = header.index(target)
    features = [j for j in range(len(header)) if j != t]
    return data[:, features], data[:, t]


class OnlineStandardizer:
    """Welford running mean / M2 per column; each row is scaled with the statistics before it."""

    def __init__(self, d):
        self.n = 0
        self.mean = np.zeros(d)
        self.m2 = np.zeros(d)

    def transform_and_update(self, x):
        b = x.shape[0]
        n0, mean0, m20 = self.n, self.mean, self.m2
        d = x - mean0                                     # shifted by the running mean: stable
        k = np.arange(b, dtype=np.float64)[:, None]       # rows of this block before row i
        s1 = np.cumsum(d, axis=0) - d                     # exclusive prefix sums
        s2 = np.cumsum(d * d, axis=0) - d * d
        n = n0 + k                                        # rows before row i in all
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = mean0 + np.where(n > 0, s1 / np.maximum(n, 1), 0.0)
            # Chan et al.: M2 of (previous rows + block prefix) = M2_0 + M2_prefix + delta^2 n0 k / n
            m2_prefix = np.where(k > 0, s2 - s1 * s1 / np.maximum(k, 1), 0.0)
            cross = np.where((k > 0) & (n > 0), s1 * s1 * n0 / (np.maximum(k, 1) * np.maximum(n, 1)), 0.0)
            m2 = m20 + m2_prefix + cross
            sd = np.where(n >= 2, np.sqrt(np.maximum(m2, 0) / np.maximum(n - 1, 1)), 1.0)
            z = np.where(sd > 0, (x - mean) / np.where(sd > 0, sd, 1.0), 0.0)
        # Fold the whole block into the running statistics.
        tot = n0 + b
        sb = s1[-1] + d[-1]
        s2b = s2[-1] + d[-1] * d[-1]
        self.mean = mean0 + sb / tot
        self.m2 = m20 + (s2b - sb * sb / b) + sb * sb * n0 / (b * tot)
        self.n = tot
        return z


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("file")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.005)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--target", default=None)
    a = p.parse_args()

    x, y_raw = read_csv(a.file, a.target)
    classes, y = np.unique(y_raw, return_inverse=True)
    labels = np.arange(len(classes))
    load_seconds = time.perf_counter() - T_START

    clf = MLPClassifier(hidden_layer_sizes=(a.hidden,), activation="relu", solver="adam",
                        learning_rate_init=a.lr, alpha=0.0, batch_size=a.batch_size,
                        shuffle=False, random_state=a.seed)
    scaler = OnlineStandardizer(x.shape[1])
    n = x.shape[0]
    correct = 0
    loss = 0.0
    fitted = False
    t0 = time.perf_counter()
    for start in range(0, n, a.batch_size):
        xb = scaler.transform_and_update(x[start:start + a.batch_size])
        yb = y[start:start + a.batch_size]
        if fitted:
            proba = clf.predict_proba(xb)
        else:
            proba = np.full((xb.shape[0], len(labels)), 1.0 / len(labels))
        correct += int((proba.argmax(axis=1) == yb).sum())
        loss -= float(np.log(np.maximum(proba[np.arange(len(yb)), yb], 1e-15)).sum())
        if fitted:
            clf.partial_fit(xb, yb)
        else:
            clf.partial_fit(xb, yb, classes=labels)
            fitted = True
    seconds = time.perf_counter() - t0
    print(json.dumps({
        "rows": int(n),
        "rows_per_sec": round(n / seconds) if seconds > 0 else None,
        "accuracy": correct / n if n else None,
        "loss": loss / n if n else None,
        "seconds": round(seconds, 3),
        "load_seconds": round(load_seconds, 3),
        "batch_size": a.batch_size,
        "hidden": a.hidden,
        "sklearn": sklearn.__version__,
    }))


if __name__ == "__main__":
    sys.exit(main())
