"""What we know from past tasks, and how to ask it.

- estimator families and their search spaces, declared as data (``FAMILIES``);
- column typing and the scikit-learn pipelines built from a config;
- cross-validation and isolated (stoppable) runs;
- the portfolio runner that measures configs on a folder of tables;
- the meta-feature extractor (OpenML's data qualities), the store of past
  tasks, and the meta-model that ranks configs for a new table.
"""

from ._evaluate import aligned_proba, cross_validate, cross_validate_oof, fit_and_score, make_splits
from ._isolate import Outcome, run_isolated, while_next_child_runs
from ._metafeatures import GROUPS, QUALITY_NAMES, Profile, Undefined, profile
from ._metrics import METRICS, Metric, default_metric, kind_of, metrics_for, score_all, task_of
from ._pipeline import build_pipeline
from ._schema import SchemaError, infer_schema, prepare_frame, unseen_categories
from ._space import Choice, Float, Int, config_key, round_config, sample_config, validate_config
from .families import DEFAULTS_ORDER, FAMILIES, SPACE_VERSION, get_family

#: Public names whose modules load only when first used (PEP 562), so that
#: ``automl predict`` does not import the store, the builders or the evaluation.
_LAZY = {
    "DaskUnavailable": "._distributed", "connect": "._distributed",
    "run_folder_distributed": "._distributed",
    "StoreError": "._store", "load_store": "._store", "STORE_DIR": "._store",
    "recommend": "._recommend",
    "build_metamodels": "._metamodel",
    "store_info": "._info", "validate_store": "._info",
    "OURS": "._loto", "OURS_B": "._loto", "evaluate_openml": "._loto",
    "evaluate_portfolio": "._loto", "win_rates": "._loto", "time_aware_against": "._loto",
    "TIME_BUDGETS": "._greedy", "greedy_portfolio": "._greedy", "take_turns": "._greedy",
    "HISTORY_DIR": "._build", "build_store": "._build", "BuildPlan": "._build",
    "Settings": "._portfolio", "run_folder": "._portfolio", "stratified_rows": "._portfolio",
    "live_build": "._live",
    "SourceError": ".sources", "openml_task_kind": ".sources.openml_live",
    "to_unit_vector": "._space",
    "DirectoryTaken": "._atomic", "clean_stale": "._atomic", "fsync_dir": "._atomic",
    "install_dir": "._atomic", "locked_dir": "._atomic",
}
_RENAMED = {"build_store": "build", "install_dir": "install", "locked_dir": "locked",
            "openml_task_kind": "task_kind", "time_aware_against": "against",
            "TIME_BUDGETS": "BUDGETS"}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'metabase' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name], __name__), _RENAMED.get(name, name))
    globals()[name] = value
    return value


__all__ = [*_LAZY,
    "DEFAULTS_ORDER", "FAMILIES", "GROUPS", "METRICS", "Profile", "QUALITY_NAMES",
    "Undefined", "profile", "SPACE_VERSION", "Choice", "Float", "Int", "Metric", "Outcome",
    "SchemaError", "aligned_proba", "build_pipeline", "config_key", "cross_validate",
    "cross_validate_oof",
    "default_metric", "fit_and_score", "kind_of", "task_of", "get_family", "infer_schema",
    "make_splits", "metrics_for", "prepare_frame", "round_config", "run_isolated",
    "sample_config", "score_all", "unseen_categories", "validate_config",
    "while_next_child_runs",
]
