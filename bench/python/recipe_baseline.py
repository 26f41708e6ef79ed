"""The recipe's LSH pipeline in Python, as a baseline for the gateway's TypeScript hashing.

Two versions on the same vectors and parameters as the TypeScript benchmark:

* recipe: scikit-learn ``KMeans`` per subspace (its defaults: k-means++, ``n_init="auto"``), then
  one ``predict`` call per vector and subspace, building ``"g-c"`` tokens — the recipe as written.
* numpy: the same model fitted by vectorised Lloyd iterations (25, like the gateway) and every
  vector hashed at once with matrix products (||x||² - 2·x·c + ||c||² per subspace, argmin).

Vectors are L2-normalised first (cosine) and, with --rotate, multiplied by a seeded random
orthogonal matrix, as the gateway does. Prints one JSON object.
"""

import argparse
import json
import platform
import time

import numpy as np


def subspace_bounds(dim, subspaces):
    base, extra = divmod(dim, subspaces)
    bounds = [0]
    for g in range(subspaces):
        bounds.append(bounds[-1] + base + (1 if g < extra else 0))
    return bounds


def normalise(x):
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return (x / norms).astype(np.float32)


def rotation(dim, seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, dim)))
    return (q * np.sign(np.diag(r))).astype(np.float32)


def recipe(train, hash_vectors, bounds, clusters, seed, rot, predict_seconds):
    from sklearn.cluster import KMeans

    started = time.perf_counter()
    x = train @ rot.T if rot is not None else train
    models = []
    for g in range(len(bounds) - 1):
        km = KMeans(n_clusters=clusters, random_state=seed)
        km.fit(x[:, bounds[g] : bounds[g + 1]])
        models.append(km)
    train_seconds = time.perf_counter() - started

    # One vector at a time, one predict per subspace: the recipe's hashing loop.
    hashed = 0
    started = time.perf_counter()
    deadline = started + predict_seconds
    for v in hash_vectors:
        xv = rot @ v if rot is not None else v
        tokens = [
            f"{g}-{int(models[g].predict(xv[bounds[g] : bounds[g + 1]].reshape(1, -1))[0])}"
            for g in range(len(models))
        ]
        assert len(tokens) == len(models)
        hashed += 1
        if time.perf_counter() > deadline:
            break
    hash_seconds = time.perf_counter() - started
    return {
        "train_seconds": train_seconds,
        "iterations": [int(m.n_iter_) for m in models],
        "hashed": hashed,
        "hash_seconds": hash_seconds,
        "vectors_per_second": hashed / hash_seconds,
    }


def kmeans_numpy(x, clusters, seed, iterations=25):
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(len(x), clusters, replace=False)].copy()
    x_sq = None
    for _ in range(iterations):
        d = (centroids * centroids).sum(axis=1)[None, :] - 2.0 * (x @ centroids.T)
        assign = d.argmin(axis=1)
        counts = np.bincount(assign, minlength=clusters).astype(np.float32)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assign, x)
        moved = counts > 0
        new = centroids.copy()
        new[moved] = sums[moved] / counts[moved, None]
        shift = float(((new - centroids) ** 2).sum(axis=1).max())
        centroids = new
        if shift < 1e-6:
            break
    del x_sq
    return centroids


def numpy_version(train, hash_vectors, bounds, clusters, seed, rot, repeat_seconds):
    started = time.perf_counter()
    x = train @ rot.T if rot is not None else train
    models = [kmeans_numpy(np.ascontiguousarray(x[:, bounds[g] : bounds[g + 1]]), clusters, seed + g)
              for g in range(len(bounds) - 1)]
    train_seconds = time.perf_counter() - started
    norms = [(c * c).sum(axis=1) for c in models]

    def hash_all(vectors):
        codes = np.empty((len(vectors), len(models)), dtype=np.int32)
        for s in range(0, len(vectors), 4096):
            chunk = vectors[s : s + 4096]
            xr = chunk @ rot.T if rot is not None else chunk
            for g, c in enumerate(models):
                d = norms[g][None, :] - 2.0 * (xr[:, bounds[g] : bounds[g + 1]] @ c.T)
                codes[s : s + 4096, g] = d.argmin(axis=1)
        return codes

    hashed = 0
    started = time.perf_counter()
    while True:
        hash_all(hash_vectors)
        hashed += len(hash_vectors)
        if time.perf_counter() - started > repeat_seconds:
            break
    hash_seconds = time.perf_counter() - started
    return {
        "train_seconds": train_seconds,
        "hashed": hashed,
        "hash_seconds": hash_seconds,
        "vectors_per_second": hashed / hash_seconds,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vectors", required=True, help="raw little-endian float32 file, row-major")
    p.add_argument("--dim", type=int, required=True)
    p.add_argument("--train-count", type=int, required=True, help="first rows used to train")
    p.add_argument("--hash-count", type=int, required=True, help="first rows hashed")
    p.add_argument("--subspaces", type=int, required=True)
    p.add_argument("--clusters", type=int, required=True)
    p.add_argument("--rotate", action="store_true")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--predict-seconds", type=float, default=5.0)
    p.add_argument("--skip-recipe", action="store_true")
    args = p.parse_args()

    data = np.fromfile(args.vectors, dtype="<f4").reshape(-1, args.dim)
    train = normalise(data[: args.train_count])
    hash_vectors = normalise(data[: args.hash_count])
    bounds = subspace_bounds(args.dim, args.subspaces)
    rot = rotation(args.dim, args.seed) if args.rotate else None

    out = {"params": vars(args)}
    if not args.skip_recipe:
        out["recipe"] = recipe(train, hash_vectors, bounds, args.clusters, args.seed, rot,
                               args.predict_seconds)
    out["numpy"] = numpy_version(train, hash_vectors, bounds, args.clusters, args.seed, rot,
                                 args.predict_seconds)
    try:
        import sklearn
        from threadpoolctl import threadpool_info

        out["versions"] = {"python": platform.python_version(), "numpy": np.__version__,
                           "scikit-learn": sklearn.__version__}
        out["threadpools"] = [
            {k: info.get(k) for k in ("internal_api", "num_threads", "architecture", "version")}
            for info in threadpool_info()
        ]
    except ImportError:
        pass
    print(json.dumps(out))


if __name__ == "__main__":
    main()
