"""Feature engineering shared by training and serving.

Each column gets a kind from its values: ``numeric`` (imputed with the median, then
scaled), ``categorical`` and ``boolean`` (missing values become their own category,
then one-hot encoded; categories unseen in training are ignored at prediction time).
Dates, free text with too many distinct values, the id and the time columns are
dropped, each with its reason: :func:`plan_columns` lists them, the data assessment
shows them and training prints them. The preprocessing lives inside the model
pipeline, so the same transformation runs in training, batch scoring and the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # scikit-learn is imported where a model is built: the data steps skip it
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

KINDS = ("numeric", "categorical", "boolean")
# A text column with more distinct values than this is free text, not a category.
MAX_CATEGORIES = 50
MISSING_CATEGORY = "missing"


@dataclass(frozen=True)
class ColumnPlan:
    """What the pipeline does with one column."""

    name: str
    kind: str  # numeric, categorical, boolean, date, text, id, time or target
    treatment: str

    @property
    def is_feature(self) -> bool:
        return self.kind in KINDS


TREATMENTS = {
    "numeric": "feature: missing values filled with the median, then scaled",
    "categorical": "feature: one-hot encoded (missing is a category, unseen ones ignored)",
    "boolean": "feature: one-hot encoded (missing is a category)",
    "target": "the target",
}


def looks_like_dates(values: pd.Series) -> bool:
    """Whether the values of a text column are dates (2024-01-31, 2024/01/31 08:00...)."""
    sample = values.dropna().astype(str).head(200)
    if sample.empty or not sample.str.match(r"^\d{4}[-/]\d{2}[-/]\d{2}").all():
        return False
    parsed = pd.to_datetime(sample.str.replace("/", "-"), errors="coerce", format="ISO8601")
    return bool(parsed.notna().mean() >= 0.9)


def column_kind(values: pd.Series) -> str:
    """The kind of a column, from its type and values."""
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_numeric_dtype(values):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(values) or looks_like_dates(values):
        return "date"
    present = values.dropna()
    if not present.empty and present.map(lambda value: isinstance(value, bool)).all():
        return "boolean"
    if present.nunique() > MAX_CATEGORIES:
        return "text"
    return "categorical"


def plan_columns(
    frame: pd.DataFrame, target: str, id_column: str | None = None, time_column: str | None = None
) -> list[ColumnPlan]:
    """What the pipeline does with each column of ``frame``: a feature kind, or why not."""
    plans = []
    for name in frame.columns:
        if name == target:
            kind, treatment = "target", TREATMENTS["target"]
        elif name == id_column:
            kind, treatment = "id", "dropped: the id column (data.id_column)"
        elif name == time_column:
            kind, treatment = "time", "dropped: orders the train/test split (data.time_column)"
        else:
            kind = column_kind(frame[name])
            treatment = TREATMENTS.get(kind, "")
        if kind == "date":
            treatment = (
                "dropped: a date; derive features from it (day of week, age...) in data.py, "
                "or name it data.time_column to split by time"
            )
        elif kind == "text":
            distinct = frame[name].nunique()
            treatment = (
                f"dropped: text with {distinct} distinct values (more than {MAX_CATEGORIES}); "
                "map it to fewer categories or make it data.id_column"
            )
        plans.append(ColumnPlan(str(name), kind, treatment))
    return plans


def feature_kinds(
    frame: pd.DataFrame, target: str, id_column: str | None = None, time_column: str | None = None
) -> dict[str, str]:
    """The feature columns of ``frame`` and their kinds (numeric, categorical, boolean)."""
    plans = plan_columns(frame, target, id_column, time_column)
    return {plan.name: plan.kind for plan in plans if plan.is_feature}


def feature_columns(frame: pd.DataFrame, target: str) -> list[str]:
    """Return the columns used as features."""
    return list(feature_kinds(frame, target))


def coerce_types(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """Give each feature column the type of its kind: numbers, or text for categories.

    CSV readers guess ``1``/``"1"`` or ``True``/``"true"`` differently from chunk to chunk
    and from JSON; converted here, training and scoring see the same values. Missing
    values (``None``, ``NaN``) stay missing, for the imputers.
    """
    columns = {}
    for name, kind in kinds.items():
        if name not in frame.columns:
            continue
        values = frame[name]
        if kind == "numeric":
            if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
                columns[name] = pd.to_numeric(values.astype(object).where(values.notna()))
        else:
            text = values.map(lambda value: value if pd.isna(value) else str(value))
            columns[name] = text.astype(object).where(text.notna(), None)
    return frame.assign(**columns) if columns else frame


def build_preprocessor(kinds: dict[str, str] | list[str]) -> ColumnTransformer:
    """One branch per kind of feature (a plain list of names: all numeric)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    if isinstance(kinds, list):
        kinds = dict.fromkeys(kinds, "numeric")
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    branches = [("numeric", numeric, [name for name, kind in kinds.items() if kind == "numeric"])]
    for kind in ("categorical", "boolean"):
        columns = [name for name, found in kinds.items() if found == kind]
        if columns:
            encode = Pipeline(
                [
                    ("impute", SimpleImputer(strategy="constant", fill_value=MISSING_CATEGORY)),
                    ("one_hot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                ]
            )
            branches.append((kind, encode, columns))
    return ColumnTransformer(branches, remainder="drop")


def model_feature_kinds(model: Pipeline) -> dict[str, str]:
    """The kind of each feature a fitted model expects, read from its preprocessing.

    Empty for a model without this module's preprocessing (its input is left as it is).
    """
    preprocessor = model.named_steps.get("features") if hasattr(model, "named_steps") else None
    if not hasattr(preprocessor, "transformers_"):
        return {}
    kinds = dict.fromkeys(model.feature_names_in_, "numeric")
    for name, _, columns in preprocessor.transformers_:
        if name in KINDS:
            kinds.update(dict.fromkeys(columns, name))
    return kinds


def all_numeric(kinds: dict[str, str]) -> bool:
    """Whether every feature of ``kinds`` is numeric (the service then checks a record in C)."""
    return set(kinds.values()) == {"numeric"}
