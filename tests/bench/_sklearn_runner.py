"""Runner for the scikit-learn baselines, in the project's environment (one process per fit).

    python _sklearn_runner.py METHOD TRAIN TEST TASK METRIC BUDGET SEED PRED_OUT REPORT_OUT

METHOD is ``hgb-default`` or ``rf-default`` (scikit-learn's defaults, one fit,
no budget) or ``random`` (a pure random search over our families' spaces, with
the same trials in stoppable workers, budget, final evaluation and refit as
``automl fit``: only the candidates differ). Tables are read and typed exactly
as ``automl fit`` does (``load_table``, ``make_problem``, ``infer_schema``,
``prepare_frame``, ``build_pipeline``).
"""

from __future__ import annotations

import time

START = time.monotonic()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402


def random_candidates(task: str, n_rows: int, seed: int):
    """Configs drawn uniformly from every family's space (no defaults, no metabase)."""
    import numpy as np

    from metabase import FAMILIES, sample_config

    names = [n for n in FAMILIES if not (n == "svm" and n_rows > 10000)]   # as `fit` does
    rng = np.random.default_rng(seed)
    while True:
        name = names[int(rng.integers(len(names)))]
        yield ({"family": name, "params": sample_config(FAMILIES[name].space(task), rng)},
               "random", None)


def fit_defaults(family: str, problem, seed: int):
    from metabase import FAMILIES, build_pipeline, infer_schema, prepare_frame

    schema = infer_schema(problem.X)
    X, _ = prepare_frame(problem.X, schema)
    config = {"family": family, "params": FAMILIES[family].defaults(problem.task)}
    pipe = build_pipeline(config, schema, problem.task, random_state=seed, n_jobs=1)
    pipe.fit(X, problem.y)
    return pipe, schema, family


def fit_random(problem, metric: str, budget: float, seed: int):
    from automl_cli._budget import Budget
    from automl_cli._fit import FitOptions, fit

    opts = FitOptions(metric=metric, time_budget=budget, seed=seed, metalearning=False)
    result = fit(problem, opts, candidates=random_candidates(problem.task, len(problem.y), seed),
                 budget=Budget(budget, START))
    s = result.search
    detail = (f"{result.config['family']}; {len(s.trials)} trials; stopped by {s.stopped_by}; "
              f"cv {result.score:.6g}")
    return result.pipeline, result.schema, detail


def main(argv) -> int:
    method, train, test, task, metric, budget, seed, pred_out, report_out = argv
    budget, seed = float(budget), int(seed)
    import numpy as np
    import pandas as pd

    from automl_cli._io import load_table
    from automl_cli._task import make_problem
    from metabase import aligned_proba, prepare_frame

    t_fit = time.perf_counter()
    problem = make_problem(load_table(train).frame, "target", task, train)
    if method == "random":
        pipe, schema, detail = fit_random(problem, metric, budget, seed)
    else:
        pipe, schema, detail = fit_defaults(method.split("-")[0], problem, seed)
    fit_seconds = time.perf_counter() - t_fit
    fit_wall = time.time() - float(os.environ.get("BENCH_T0", time.time()))
    t_pred = time.perf_counter()
    frame = load_table(test).frame
    X, _ = prepare_frame(frame.drop(columns=["target"]), schema)
    if task == "classification":
        proba = aligned_proba(pipe, X, problem.classes)
        out = pd.DataFrame({"prediction": np.asarray(problem.classes, dtype=object)[
            proba.argmax(axis=1)]})
        for j, label in enumerate(problem.classes):
            out[f"proba_{label}"] = proba[:, j]
    else:
        out = pd.DataFrame({"prediction": pipe.predict(X)})
    out.to_csv(pred_out, index=False)
    with open(report_out, "w") as fh:
        json.dump({"fit_wall": fit_wall, "fit_seconds": fit_seconds,
                   "predict_seconds": time.perf_counter() - t_pred, "detail": detail}, fh)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as exc:  # automl's errors: one line and their exit code, as the CLI does
        if not hasattr(exc, "exit_code"):
            raise
        print(f"error: {exc.format_message()}", file=sys.stderr)
        sys.exit(exc.exit_code)
