"""What we know from past tasks, and how to ask it.

- estimator families and their search spaces, declared as data (``FAMILIES``);
- column typing and the scikit-learn pipelines built from a config;
- cross-validation and isolated (stoppable) runs;
- the portfolio runner that measures configs on a folder of tables;
- the meta-feature extractor (OpenML's data qualities), the store of past
  tasks, and the meta-model that ranks configs for a new table.
"""

from ._evaluate import aligned_proba, cross_validate, fit_and_score, make_splits
from ._isolate import Outcome, run_isolated
from ._metafeatures import GROUPS, QUALITY_NAMES, Profile, Undefined, profile
from ._metrics import METRICS, Metric, default_metric, metrics_for, score_all
from ._pipeline import build_pipeline
from ._schema import SchemaError, infer_schema, prepare_frame, unseen_categories
from ._space import Choice, Float, Int, config_key, round_config, sample_config, validate_config
from .families import FAMILIES, SPACE_VERSION, family_names, get_family

__all__ = [
    "FAMILIES", "GROUPS", "METRICS", "Profile", "QUALITY_NAMES", "Undefined", "profile",
    "SPACE_VERSION", "Choice", "Float", "Int", "Metric", "Outcome",
    "SchemaError", "aligned_proba", "build_pipeline", "config_key", "cross_validate",
    "default_metric", "family_names", "fit_and_score", "get_family", "infer_schema",
    "make_splits", "metrics_for", "prepare_frame", "round_config", "run_isolated",
    "sample_config", "score_all", "unseen_categories", "validate_config",
]
