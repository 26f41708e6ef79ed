"""scikit-learn KMeans on the subspaces of an lshql training run, as the peer of lshql's training.

Reads the prepared sample (normalised, rotated, float32, row-major count × width per subspace,
subspaces one after another) that the TypeScript benchmark wrote, fits one KMeans per subspace
with n_init=1 and the same max_iter and tol (scikit-learn scales tol by the mean per-coordinate
variance, as lshql does), and prints one JSON object with the time of the fits.

--init kmeans++ : scikit-learn's own k-means++ seeding (on the whole sample);
--init given    : the initial centroids lshql's k-means++ chose (Lloyd iterations only).
"""

import argparse
import json
import time

import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--inits", help="float32 initial centroids, clusters × width per subspace")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--widths", required=True, help="comma-separated subspace widths")
    p.add_argument("--clusters", type=int, required=True)
    p.add_argument("--max-iter", type=int, required=True)
    p.add_argument("--tol", type=float, required=True)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--init", choices=["kmeans++", "given"], default="kmeans++")
    a = p.parse_args()

    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_info, threadpool_limits
    import sklearn

    widths = [int(w) for w in a.widths.split(",")]
    raw = np.fromfile(a.data, dtype=np.float32)
    inits = np.fromfile(a.inits, dtype=np.float32) if a.init == "given" else None
    subs, starts, off, ioff = [], [], 0, 0
    for w in widths:
        subs.append(raw[off : off + a.count * w].reshape(a.count, w))
        off += a.count * w
        if inits is not None:
            starts.append(inits[ioff : ioff + a.clusters * w].reshape(a.clusters, w))
            ioff += a.clusters * w

    iterations = []
    with threadpool_limits(limits=a.threads):
        started = time.perf_counter()
        for g, x in enumerate(subs):
            km = KMeans(
                n_clusters=a.clusters,
                init=starts[g] if inits is not None else "k-means++",
                n_init=1,
                max_iter=a.max_iter,
                tol=a.tol,
                algorithm="lloyd",
                random_state=a.seed + g,
            )
            km.fit(x)
            iterations.append(int(km.n_iter_))
        seconds = time.perf_counter() - started
    blas = [f"{i.get('internal_api')} {i.get('version')}" for i in threadpool_info()]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "iterations": iterations,
                "threads": a.threads,
                "sklearn": sklearn.__version__,
                "blas": blas,
            }
        )
    )


if __name__ == "__main__":
    main()
