"""Feature engineering shared by training and serving.

The preprocessing lives inside the model pipeline, so the exact same transformation
runs at training time, in batch scoring and behind the API.
"""

from __future__ import annotations

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def feature_columns(frame: pd.DataFrame, target: str) -> list[str]:
    """Return the numeric columns used as features (everything but the target)."""
    numeric = frame.select_dtypes(include="number").columns
    return [column for column in numeric if column != target]


def build_preprocessor(features: list[str]) -> ColumnTransformer:
    """Impute missing values with the median, then standardise each feature."""
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    return ColumnTransformer([("numeric", numeric, features)], remainder="drop")
