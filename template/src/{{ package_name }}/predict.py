"""Batch scoring: add model predictions to the rows of a CSV or Parquet file.

Files are read and written chunk by chunk, so memory stays flat however large the
input is; each chunk is written in a background thread while the next one is read and
scored (:class:`ChunkWriter`). The format follows the file extension (``.parquet`` or
CSV otherwise). The model runs once per batch of rows: a classifier gives its class
probabilities and its prediction is the most probable class, so the two never disagree.
:func:`measure_throughput` tells how fast one process scores single requests.

The output is written whole or not at all (see :mod:`.atomic`), and never over the
input. A file that cannot be scored (empty, a missing column, text or true/false in a
numeric column, a value that is not finite, not CSV or not Parquet) raises
:class:`InputFileError`, whose one-line message names the file, the row and column, and
the fix; the previous output, if any, is left as it was.
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import logging
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from sklearn import config_context
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.pipeline import Pipeline

from .atomic import atomic_path, same_file
from .features import coerce_types, model_feature_kinds

PREDICTION_COLUMN = "prediction"
# Each scored row's key, to join its true outcome with later: the input's own column of
# this name when it has one, else ``<input file stem>-<row number>`` (stable on a rerun).
ROW_ID_COLUMN = "row_id"
CHUNK_ROWS = 50_000
# Arrays larger than this are given back to the system as soon as they are freed.
LARGE_ARRAY_BYTES = 4 * 1024**2
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
SHOWN_VALUE_CHARACTERS = 40
# Up to this many rows a random forest is walked all trees at once (ForestTable); more
# rows go tree by tree, faster once the rows outweigh the calls (deep trees).
TABLE_ROWS = 8

logger = logging.getLogger(__name__)


class InputFileError(ValueError):
    """A batch input that cannot be scored; the message says where and how to fix it."""


@dataclass(frozen=True)
class Throughput:
    """How fast one process scores requests of one row each."""

    requests: int
    requests_per_second: float
    p95_latency_ms: float


def score_rows(model: Pipeline, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """Return the prediction for each row, and class probabilities for a classifier."""
    missing = [name for name in model.feature_names_in_ if name not in frame.columns]
    if missing:
        raise KeyError(f"input is missing feature columns: {', '.join(missing)}")
    frame = coerce_types(frame, model_feature_kinds(model))
    if hasattr(model, "predict_proba"):
        probabilities = model.predict_proba(frame)
        return model.classes_[probabilities.argmax(axis=1)], probabilities
    return model.predict(frame), None


class ArrayScorer:
    """The single-row fast path of a model whose features are all numbers.

    A one-row request spends most of its time in pandas and in the column selection
    of the pipeline's ``ColumnTransformer``, not in the model. When the preprocessing
    has one branch, numeric, reading every feature in order, the same fitted steps
    score a numpy array directly, with the same results (the generated tests check
    that they are identical). The steps are a copy that forgets the column names it
    was fitted with (so scikit-learn does not warn about an array without them); the
    array's columns are the model's features, in order. Inputs are checked once, here,
    so scikit-learn's own finiteness checks are skipped (``assume_finite``). A random
    forest's trees are summed here, in its own order, rather than through joblib, which
    costs ten times the trees' work for one row (:func:`forest_scores`); for a few rows
    they are walked all at once (:class:`ForestTable`).
    """

    def __init__(self, model: Pipeline, numeric: BaseEstimator) -> None:
        self.features: list[str] = list(model.feature_names_in_)
        self.preprocess = copy.deepcopy(numeric)
        for step in getattr(self.preprocess, "steps", [(None, self.preprocess)]):
            if hasattr(step[1], "feature_names_in_"):
                del step[1].feature_names_in_
        self.estimator = model[1:]
        last = model.steps[-1][1]
        sequential = getattr(last, "n_jobs", None) in (None, 1)
        forest = len(model.steps) == 2 and is_forest(last) and sequential
        self.forest = last if forest else None
        self.table = ForestTable(last) if forest else None  # for a few rows
        classes = getattr(model, "classes_", None)
        self.classes: np.ndarray | None = classes if hasattr(model, "predict_proba") else None

    def rows(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """The records as an array of floats, a column per feature (``None``: missing).

        Column-major, as pandas hands a table to scikit-learn, so that the arithmetic
        runs in the same order and the results are the same to the last bit.
        """
        values = [[record[name] for name in self.features] for record in records]
        return np.array(values, dtype=float, order="F")

    def score(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Like :func:`score_rows`, for an array from :meth:`rows`.

        A value the preprocessing makes infinite raises ``ValueError``, as the
        pipeline does.
        """
        if np.isinf(values).any():
            raise ValueError("Input contains infinity")
        with config_context(assume_finite=True):
            transformed = self.preprocess.transform(values)
            if not np.isfinite(transformed).all():
                raise ValueError("Input contains infinity or a value too large for float64")
            if self.forest is not None:
                scores = (
                    self.table.scores(transformed)
                    if self.table is not None and len(transformed) <= TABLE_ROWS
                    else forest_scores(self.forest, transformed)
                )
                if self.classes is None:
                    return scores, None
                return self.classes[scores.argmax(axis=1)], scores
            if self.classes is None:
                return self.estimator.predict(transformed), None
            probabilities = self.estimator.predict_proba(transformed)
        return self.classes[probabilities.argmax(axis=1)], probabilities


def is_forest(estimator: object) -> bool:
    """Whether ``estimator`` is a fitted random forest of one output."""
    forest = isinstance(estimator, RandomForestClassifier | RandomForestRegressor)
    return forest and getattr(estimator, "n_outputs_", 0) == 1


class ForestTable:
    """A random forest's trees as one table of nodes, walked for all the trees at once.

    Asking each tree in turn (``tree_.predict``) costs a call into scikit-learn's
    compiled code per tree, most of a one-row request's time with a hundred trees.
    Here the trees' nodes are laid end to end (each child's index made global, a leaf
    its own child), so that a row goes down every tree together, one level a step, in
    a few numpy operations. The tests are scikit-learn's (the feature as float32
    against the float64 threshold, ``<=`` going left) and the leaves' values are added
    in the trees' order to zeros, then divided by their number, as scikit-learn does
    with one job: the results are identical to the last bit.
    """

    def __init__(self, forest: BaseEstimator) -> None:
        trees = [estimator.tree_ for estimator in forest.estimators_]
        sizes = [tree.node_count for tree in trees]
        starts = np.cumsum([0, *sizes[:-1]])
        self.roots = starts.astype(np.intp)
        left, right, feature, threshold = [], [], [], []
        for tree, start in zip(trees, starts, strict=True):
            nodes = np.arange(tree.node_count) + start
            leaf = tree.children_left < 0  # a leaf stays where it is
            left.append(np.where(leaf, nodes, tree.children_left + start))
            right.append(np.where(leaf, nodes, tree.children_right + start))
            feature.append(np.where(leaf, 0, tree.feature))
            threshold.append(tree.threshold)
        self.left = np.concatenate(left).astype(np.intp)
        self.right = np.concatenate(right).astype(np.intp)
        self.feature = np.concatenate(feature).astype(np.intp)
        self.threshold = np.concatenate(threshold).astype(np.float64)
        self.depth = max(tree.max_depth for tree in trees)
        self.classifier = isinstance(forest, RandomForestClassifier)
        width = forest.n_classes_ if self.classifier else 1
        # What each tree's predict gives for a row ending at the node (one output).
        values = np.concatenate([tree.value[:, 0, :width] for tree in trees])
        self.values = values if self.classifier else values[:, 0]
        self.trees = len(trees)

    def scores(self, values: np.ndarray) -> np.ndarray:
        """Class probabilities (classifier) or predictions (regressor) of each row."""
        rows = np.asarray(values, dtype=np.float32)  # what the trees read
        flat = rows.ravel()  # row by row
        nodes = np.repeat(self.roots[np.newaxis, :], len(rows), axis=0)  # rows x trees
        offsets = (np.arange(len(rows)) * rows.shape[1])[:, np.newaxis]
        for _ in range(self.depth):
            read = flat[offsets + self.feature[nodes]]
            nodes = np.where(read <= self.threshold[nodes], self.left[nodes], self.right[nodes])
        leaves = self.values[nodes]  # rows x trees (x classes)
        zeros = np.zeros_like(leaves[:, :1])
        total = np.add.accumulate(np.concatenate([zeros, leaves], axis=1), axis=1)[:, -1]
        total /= self.trees
        return total


def forest_scores(forest: BaseEstimator, values: np.ndarray) -> np.ndarray:
    """A forest's class probabilities (classifier) or predictions (regressor), tree by tree.

    The same sums in the same order as scikit-learn's ``predict_proba`` / ``predict``
    with one job, so the results are identical to the last bit. Each tree's values are
    read from its fitted structure (``tree_.predict``, what the tree's own ``predict``
    returns a column of, after checks that cost twice the lookup for one row).
    """
    rows = np.asarray(values, dtype=np.float32)  # what the trees read
    classifier = isinstance(forest, RandomForestClassifier)
    shape = (len(rows), forest.n_classes_) if classifier else (len(rows),)
    total = np.zeros(shape, dtype=np.float64)
    for tree in forest.estimators_:
        leaves = tree.tree_.predict(rows)  # one row of leaf values per input row
        total += leaves[:, : forest.n_classes_] if classifier else leaves[:, 0]
    total /= len(forest.estimators_)
    return total


def array_scorer(model: Pipeline) -> ArrayScorer | None:
    """The fast path of ``model``, or None when its preprocessing needs a DataFrame.

    That is the case with a categorical or boolean feature, and for a pipeline that is
    not the project's preprocessing followed by an estimator (a team's own steps).
    """
    preprocessor = model.named_steps.get("features") if isinstance(model, Pipeline) else None
    if not isinstance(preprocessor, ColumnTransformer) or len(model.steps) < 2:
        return None
    branches = [
        (name, step, list(columns))
        for name, step, columns in preprocessor.transformers_
        if not (isinstance(step, str) and step == "drop")
    ]
    if len(branches) != 1 or model.steps[0][0] != "features":
        return None
    name, numeric, columns = branches[0]
    if name != "numeric" or columns != list(model.feature_names_in_) or isinstance(numeric, str):
        return None
    return ArrayScorer(model, numeric)


def score_records(
    model: Pipeline, records: Sequence[Mapping[str, Any]], fast: ArrayScorer | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`score_rows` for JSON records: through ``fast`` when given, else a DataFrame."""
    if fast is not None:
        return fast.score(fast.rows(records))
    return score_rows(model, pd.DataFrame.from_records(records))


def predict_frame(model: Pipeline, frame: pd.DataFrame) -> pd.DataFrame:
    """Return the input rows with a ``prediction`` column (and class probabilities)."""
    predictions, probabilities = score_rows(model, frame)
    columns = {PREDICTION_COLUMN: predictions}
    if probabilities is not None:
        for index, label in enumerate(model.classes_):
            columns[f"proba_{label}"] = probabilities[:, index]
    return frame.assign(**columns)


def row_ids(source: Path, start: int, count: int) -> pa.Array:
    """The :data:`ROW_ID_COLUMN` keys of rows ``start``... of ``source``: ``<stem>-<row>``."""
    numbers = pa.array(np.arange(start, start + count)).cast(pa.string())
    return pc.binary_join_element_wise(source.stem, numbers, "-")


def with_row_ids(table: pa.Table, source: Path, start: int) -> pa.Table:
    """Add the :data:`ROW_ID_COLUMN` key of rows ``start``, ``start + 1``... of ``source``."""
    if ROW_ID_COLUMN in table.column_names:
        return table
    return table.append_column(ROW_ID_COLUMN, row_ids(source, start, table.num_rows))


def is_parquet(path: Path) -> bool:
    """Whether a path names a Parquet file."""
    return path.suffix.lower() in (".parquet", ".pq")


def read_chunks(
    path: Path, chunk_rows: int = CHUNK_ROWS, types: Mapping[str, str] | None = None
) -> Iterator[pd.DataFrame]:
    """Yield a CSV or Parquet file as tables of at most ``chunk_rows`` rows.

    ``types`` names the pandas type of some columns; the others are inferred per chunk.
    """
    if is_parquet(path):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
            yield batch.to_pandas().astype(dict(types or {}))
    else:
        yield from pd.read_csv(path, chunksize=chunk_rows, dtype=dict(types or {}) or None)


def read_input(
    path: Path, chunk_rows: int = CHUNK_ROWS, types: Mapping[str, str] | None = None
) -> Iterator[pd.DataFrame]:
    """:func:`read_chunks`, with an unreadable file told in one line."""
    kind = "Parquet" if is_parquet(path) else "CSV"
    try:
        yield from read_chunks(path, chunk_rows, types)
    except FileNotFoundError as error:
        raise InputFileError(f"{path}: no such file: check the --input path") from error
    except pd.errors.EmptyDataError as error:
        raise InputFileError(
            f"{path}: the file is empty: give a header row naming the features, then the rows"
        ) from error
    except pd.errors.ParserError as error:
        reason = str(error).strip().splitlines()[-1]
        raise InputFileError(f"{path}: not a well-formed CSV ({reason}): fix that line") from error
    except UnicodeDecodeError as error:
        raise InputFileError(f"{path}: not UTF-8 text: save it as UTF-8 CSV") from error
    except (pa.ArrowException, OSError) as error:
        reason = str(error).strip().splitlines()[0][:120]
        raise InputFileError(
            f"{path}: cannot be read as {kind} ({reason}): write a real {kind} file, "
            f"or give it the extension of its format"
        ) from error


def feature_kinds(model: Pipeline) -> dict[str, str]:
    """Each feature the model reads, with its kind (``numeric`` features must hold numbers).

    A model without the project's preprocessing reads every feature as a number.
    """
    names = map(str, getattr(model, "feature_names_in_", []))
    return model_feature_kinds(model) or dict.fromkeys(names, "numeric")


def shown(value: object) -> str:
    """A cell's value, cut short enough for a one-line message."""
    text = repr(value)
    return text if len(text) <= SHOWN_VALUE_CHARACTERS else text[:SHOWN_VALUE_CHARACTERS] + "…"


def check_chunk(frame: pd.DataFrame, kinds: dict[str, str], path: Path, first_row: int) -> None:
    """Raise :class:`InputFileError` at the first column or cell the model cannot score.

    ``first_row`` is the 1-based row number, in the file, of the chunk's first row.
    """
    missing = [name for name in kinds if name not in frame.columns]
    if missing and len(frame.columns) == 1 and ";" in str(frame.columns[0]):
        raise InputFileError(f"{path}: the columns are separated by ';': save it comma-separated")
    if missing:
        raise InputFileError(
            f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}: "
            f"the model reads {len(kinds)} feature columns; add the missing ones"
        )
    if frame.empty:
        return
    for name, kind in kinds.items():
        column = frame[name]
        if kind != "numeric" or pd.api.types.is_numeric_dtype(column.dtype):
            if kind == "numeric" and pd.api.types.is_bool_dtype(column.dtype):
                raise InputFileError(
                    f"{path}: column {name!r} holds true/false values where the model "
                    "expects numbers: write them as 1/0"
                )
            if kind == "numeric":
                check_finite(column, path, first_row)
            continue
        if is_parquet(path):
            raise InputFileError(
                f"{path}: column {name!r} is stored as text ({column.dtype}), not as "
                "numbers: write it with a numeric type"
            )
        numbers = pd.to_numeric(column, errors="coerce")
        bad = (numbers.isna() & column.notna()).to_numpy()
        if not bad.any():  # numbers read as text (Dask's path): check them as numbers
            check_finite(numbers, path, first_row)
            continue
        position = int(bad.argmax())
        raise InputFileError(
            f"{path}: row {first_row + position}, column {name!r}: "
            f"{shown(column.iloc[position])} is not a number: correct it or leave the cell empty"
        )


def check_finite(column: pd.Series, path: Path, first_row: int) -> None:
    """Raise :class:`InputFileError` at the first infinite value of a numeric column."""
    values = column.to_numpy(dtype=float, na_value=np.nan)
    infinite = np.isinf(values)
    if infinite.any():
        position = int(infinite.argmax())
        raise InputFileError(
            f"{path}: row {first_row + position}, column {column.name!r}: {values[position]} "
            "is not a finite number: correct it or leave the cell empty"
        )


def predict_file(
    model: Pipeline,
    input_path: Path,
    output_path: Path,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Score ``input_path`` into ``output_path`` and return the number of rows.

    ``progress`` is called with the running row count after each chunk. The output
    appears only once every row is scored and written; until then the previous one stays.

    Column types are inferred chunk by chunk, and the output keeps one type per column.
    When a later chunk needs a wider type than the first (whole numbers first, then
    decimals or text), scoring starts again from the first row with the wider type.
    """
    if same_file(input_path, output_path):
        raise InputFileError(
            f"{output_path}: the output would overwrite the input {input_path}: "
            "choose another --output"
        )
    release_large_arrays()
    kinds = feature_kinds(model)
    types: dict[str, str] = {}
    while True:
        try:
            return score_file(model, input_path, output_path, chunk_rows, progress, kinds, types)
        except ColumnTypesChanged as change:
            if not widen(types, change.wider, input_path, "the first chunk"):
                raise  # already read with these types: another pass would change nothing


def widen(types: dict[str, str], wider: dict[str, str], input_path: Path, sample: str) -> bool:
    """Add the ``wider`` column types to ``types`` and say that scoring starts again; False
    when they add nothing, as another pass would stop the same way.

    ``sample`` names the part of the file whose types the others did not fit.
    """
    if not wider or wider.items() <= types.items():
        return False
    types |= wider
    changed = ", ".join(f"{name} ({kind})" for name, kind in wider.items())
    logger.warning(
        "%s: column types change after %s: %s; scoring again from the first row with these types",
        input_path,
        sample,
        changed,
    )
    return True


def score_file(
    model: Pipeline,
    input_path: Path,
    output_path: Path,
    chunk_rows: int,
    progress: Callable[[int], None] | None,
    kinds: dict[str, str],
    types: Mapping[str, str],
) -> int:
    """One pass of :func:`predict_file` with the given column types."""
    rows = 0
    with atomic_path(output_path) as temporary, ChunkWriter(temporary, output_path) as writer:
        for chunk in read_input(input_path, chunk_rows, types):
            check_chunk(chunk, kinds, input_path, rows + 1)
            if chunk.empty:
                continue
            scored = pa.Table.from_pandas(predict_frame(model, chunk), preserve_index=False)
            writer.write(with_row_ids(scored, input_path, rows))
            rows += scored.num_rows
            if progress is not None:
                progress(rows)
        if rows == 0:
            raise InputFileError(f"{input_path}: no rows to score, only a header: add rows")
    return rows


class ColumnTypesChanged(Exception):
    """A chunk holds values its columns' types in the first chunk cannot hold."""

    def __init__(self, wider: dict[str, str]) -> None:
        super().__init__(f"wider types needed: {wider}")
        self.wider = wider


def wider_types(table: pa.Table, schema: pa.Schema) -> dict[str, str]:
    """The columns of ``table`` that ``schema`` cannot hold, with the pandas type to read
    them as: ``float64`` for numbers (whole numbers, then decimals), else ``str``."""
    wider = {}
    for field in schema:
        column = table.column(field.name)
        try:
            column.cast(field.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            numbers = all(
                pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_null(kind)
                for kind in (column.type, field.type)
            )
            wider[field.name] = "float64" if numbers else "str"
    return wider


def release_large_arrays() -> None:
    """Have the C library give each large array back to the system once it is freed.

    glibc raises its threshold for doing so each time a large block is freed, so from
    the second chunk on the arrays of a chunk (megabytes each) come from the heap, which
    fragments and grows with the number of chunks. A fixed threshold keeps the peak
    memory flat as the input grows. Elsewhere than glibc (macOS, musl) nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        mallopt(M_MMAP_THRESHOLD, LARGE_ARRAY_BYTES)


class ChunkWriter:
    """Writes scored chunks in order, each in a background thread while the next is scored.

    Arrow formats and writes without holding Python's lock, and writing a CSV chunk
    takes as long as reading and scoring it, so the two overlap on two cores. At most
    one chunk waits to be written, so memory stays flat. Every chunk is written with
    the first one's types; a chunk that needs wider ones raises
    :class:`ColumnTypesChanged`. Leaving the block waits for the last write and closes
    the file; after an error it waits too, so that nothing writes into the file once it
    is removed, and the error raised is the one that stopped the run (the caller's, or
    the failed write's), not a later one from closing.
    """

    def __init__(self, path: Path, output_path: Path) -> None:
        self.path, self.parquet = path, is_parquet(output_path)
        self.writer: pq.ParquetWriter | pa_csv.CSVWriter | None = None
        self.schema: pa.Schema | None = None
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chunk-writer")
        self.pending: Future[None] | None = None

    def __enter__(self) -> ChunkWriter:
        return self

    def write(self, table: pa.Table) -> None:
        """Start writing ``table`` once the previous chunk is written."""
        self.wait()
        if self.writer is None:
            self.schema = table.schema
            self.writer = open_writer(self.path, self.schema, self.parquet)
        try:
            table = table.cast(self.schema)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            if wider := wider_types(table, self.schema):
                raise ColumnTypesChanged(wider) from None
            raise
        self.pending = self.thread.submit(self.writer.write_table, table)

    def wait(self) -> None:
        """Wait for the chunk being written; raise its error, if any."""
        if self.pending is not None:
            self.pending.result()
            self.pending = None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        failed = kind is not None
        try:
            if not failed:
                self.wait()
            elif self.pending is not None:
                self.pending.exception()  # finished, whatever its outcome
        except BaseException:
            failed = True
            raise
        finally:
            self.thread.shutdown()
            if self.writer is not None:  # closing cannot hide the error that stopped us
                with contextlib.suppress(Exception) if failed else contextlib.nullcontext():
                    self.writer.close()


def open_writer(
    path: Path, schema: pa.Schema, parquet: bool
) -> pq.ParquetWriter | pa_csv.CSVWriter:
    """A chunk writer: Parquet, or CSV (Arrow formats numbers far faster than pandas).

    Parquet dictionaries only for text columns with few values (categories): trying one
    on every numeric column tripled the time of writing a chunk.
    """
    if not parquet:
        return pa_csv.CSVWriter(path, schema)
    text = [
        field.name
        for field in schema
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
    ]
    categories = [name for name in text if name != ROW_ID_COLUMN]
    return pq.ParquetWriter(path, schema, use_dictionary=categories)


def measure_throughput(model: Pipeline, frame: pd.DataFrame, requests: int = 200) -> Throughput:
    """Score ``requests`` single rows one after the other, as a serving replica would."""
    durations = []
    for index in range(requests):
        row = frame.iloc[[index % len(frame)]]
        start = time.perf_counter()
        predict_frame(model, row)
        durations.append(time.perf_counter() - start)
    durations.sort()
    return Throughput(
        requests=requests,
        requests_per_second=requests / sum(durations),
        p95_latency_ms=1000 * durations[int(0.95 * (requests - 1))],
    )
