"""Few-example units: naming the units that a pooled label hides, from their few complaints and a catalogue.

Not a test: run it by hand (a few minutes) where the real corpora sit beside the checkout::

    python benchmarks/fewshot_units.py --model-dir var/surabaya [--data-dir ../shared/data]
        [--catalogue data/samples/opd_catalogue_surabaya.csv] [--output BENCHMARKS.md]

``--model-dir`` is a surabaya model trained with ``--unit-column instansi`` (without ``--catalogue``); without it
the router is trained here (:func:`training.fit.train_router`, slower). The router's encoder and OPD head are
kept; only the unit resolver (:mod:`models.unit`) is refitted on the router's feature matrix of train, with and
without the catalogue (:mod:`models.fewshot`), so every variant sees the same features and the same routed OPD.

1. **Chosen on train**: over the pooled (``Lainnya``) rows of train, a grid of :class:`models.fewshot.FewShotUnits`
   settings is scored by 5-fold cross-validation (stratified by unit) and by leaving each unit out in turn (its rows
   dropped, its catalogue line kept: a catalogue-only unit). The setting with the highest mean of the two shares
   right, among those right on at least ``PRECISION_FLOOR`` of the rows they name in the folds, is reported beside
   the defaults of :class:`~models.fewshot.FewShotUnits`.
2. **Dev**: the share of the pooled dev rows whose unit is right (given the true OPD, and end to end), for the
   pooled classifier of today and the few-shot scorer; the same units made catalogue-only (each in turn, and all
   at once) by dropping their training rows; and the unit accuracy of all rows, with the count of rows outside the
   pooled label whose answer changed (it must be 0).

It writes the ``## Few-example units`` section of BENCHMARKS.md (other sections are kept) and prints it.
Complaint texts are read into memory only: never printed or written.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable from the checkout
    sys.path.insert(0, str(REPO))

from benchmarks.fewshot_cv import FOLDS, GRID, PRECISION_FLOOR, Setting, baseline_cv, choose, cross_validate  # noqa: E402
from benchmarks.quality import CORPORA, load_corpus, machine_info  # noqa: E402
from benchmarks.report import run_and_write  # noqa: E402
from models.artifact import load_model  # noqa: E402
from models.fewshot import Catalogue, FewShotUnits  # noqa: E402
from models.router import ComplaintRouter  # noqa: E402
from models.unit import UnitResolver  # noqa: E402
from training.data import DataError, Dataset, load_catalogue  # noqa: E402
from training.fit import train_router  # noqa: E402

__all__ = ["Setting", "cross_validate", "main", "section"]

logger = logging.getLogger("benchmarks.fewshot_units")

DEFAULT_DATA_DIR = REPO.parent / "shared" / "data"
DEFAULT_CATALOGUE = REPO / "data" / "samples" / "opd_catalogue_surabaya.csv"
SECTION = "## Few-example units"
POOL = "Lainnya"


@dataclass
class DevFigures:
    """Unit answers on dev of one resolver: given the true OPD and end to end (the routed OPD)."""

    given: np.ndarray
    routed: np.ndarray


def _resolve(resolver: UnitResolver, Z: sp.csr_matrix, dev: Dataset, routed_opd: np.ndarray) -> DevFigures:
    return DevFigures(
        np.asarray(resolver.predict(Z, dev.opd, dev.texts, dev.places), dtype=object),
        np.asarray(resolver.predict(Z, routed_opd, dev.texts, dev.places), dtype=object),
    )


def _fit_resolver(
    Zt: sp.csr_matrix, train: Dataset, units: Sequence[str], catalogue: Catalogue | None, D: Any, seed: int
) -> UnitResolver:
    return UnitResolver(random_state=seed).fit(
        Zt, train.opd, units, train.texts, train.places, catalogue=catalogue, catalogue_features=D
    )


def run(data_dir: Path, model_dir: Path | None, catalogue_path: Path, seed: int) -> dict[str, Any]:
    """Load surabaya, the catalogue and the router (or train it), then :func:`measure`."""
    train, dev = load_corpus(data_dir, CORPORA["surabaya"], "instansi")
    catalogue = load_catalogue(catalogue_path)
    if model_dir is not None:
        router, _ = load_model(model_dir)
        if getattr(router, "unit_", None) is None:
            raise DataError(f"{model_dir} was trained without --unit-column: train it with --unit-column instansi")
    else:
        logger.info("training the surabaya router (pass --model-dir to reuse one)")
        router = train_router(train, seed=seed).router
    result = measure(router, train, dev, catalogue, seed=seed)
    result["catalogue"] = catalogue_path.name
    return result


def measure(
    router: ComplaintRouter,
    train: Dataset,
    dev: Dataset,
    catalogue: Catalogue,
    *,
    seed: int = 0,
    grid: dict[str, Any] = GRID,
) -> dict[str, Any]:
    """Everything the section shows (see the module docstring), for a router fitted on ``train``."""
    if train.units is None or dev.units is None:
        raise DataError("train and dev need their unit column (instansi)")
    logger.info("encoding %d train and %d dev rows with the router's encoder", len(train), len(dev))
    Zt = router.features_.transform(train.texts)
    Zd = router.features_.transform(dev.texts)
    D = router.features_.transform(list(catalogue.descriptions))
    routed = router.route(dev.texts, places=dev.places)
    routed_opd = np.asarray(routed.classes[routed.top[:, 0]], dtype=object)

    train_units = np.asarray(train.units, dtype=object)
    train_opd = np.asarray(train.opd, dtype=object)
    pool_rows = np.flatnonzero((train_opd == POOL) & (train_units != ""))
    in_catalogue = [i for i, u in enumerate(catalogue.units) if u in set(train_units[pool_rows])]
    logger.info(
        "cross-validating %d settings on %d pooled train rows", np.prod([len(v) for v in grid.values()]), len(pool_rows)
    )
    settings = cross_validate(
        Zt[pool_rows],
        list(train_units[pool_rows]),
        D[in_catalogue],
        [catalogue.units[i] for i in in_catalogue],
        seed=seed,
        grid=grid,
    )
    chosen = choose(settings)
    baseline = baseline_cv(Zt[pool_rows], list(train_units[pool_rows]), seed=seed)

    truth = np.asarray(dev.units, dtype=object)
    dev_opd = np.asarray(dev.opd, dtype=object)
    pooled = dev_opd == POOL
    today = _resolve(_fit_resolver(Zt, train, train.units, None, None, seed), Zd, dev, routed_opd)
    fewshot = _resolve(_fit_resolver(Zt, train, train.units, catalogue, D, seed), Zd, dev, routed_opd)
    rare_units = sorted(set(truth[pooled]))
    catalogue_only: dict[str, float] = {}
    for unit in rare_units:
        blanked = ["" if u == unit else u for u in train.units]
        mine = truth == unit
        answers = _fit_resolver(Zt, train, blanked, catalogue, D, seed).predict(
            Zd[np.flatnonzero(mine)],
            dev_opd[mine],
            [dev.texts[i] for i in np.flatnonzero(mine)],
            None if dev.places is None else [dev.places[i] for i in np.flatnonzero(mine)],
        )
        catalogue_only[unit] = float(np.mean(np.asarray(answers, dtype=object) == unit))
    all_blank = ["" if o == POOL else u for o, u in zip(train.opd, train.units, strict=True)]
    zero_shot = _resolve(_fit_resolver(Zt, train, all_blank, catalogue, D, seed), Zd, dev, routed_opd)
    outside = routed_opd != POOL
    return {
        "train_pool_rows": len(pool_rows),
        "settings": settings,
        "chosen": chosen,
        "baseline": baseline,
        "defaults": FewShotUnits().get_params(),
        "dev_rows": len(dev),
        "pooled_rows": int(pooled.sum()),
        "rare_units": rare_units,
        "train_counts": {u: int(np.sum(train_units[pool_rows] == u)) for u in rare_units},
        "dev_counts": {u: int(np.sum(truth[pooled] == u)) for u in rare_units},
        "truth": truth,
        "pooled": pooled,
        "today": today,
        "fewshot": fewshot,
        "zero_shot": zero_shot,
        "catalogue_only": catalogue_only,
        "changed_outside": int(np.sum(today.routed[outside] != fewshot.routed[outside])),
        "routed_to_pool": int(np.sum(pooled & (routed_opd == POOL))),
        "catalogue": "",
        "catalogue_units": len(catalogue.units),
    }


def _share(answers: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> str:
    return f"{np.mean(answers[mask] == truth[mask]):.3f}" if mask.any() else "n/a"


def section(result: dict[str, Any], *, command: str, run_line: str) -> str:
    """The body of ``## Few-example units``."""
    truth, pooled = result["truth"], result["pooled"]
    today, fewshot, zero_shot = result["today"], result["fewshot"], result["zero_shot"]
    chosen: Setting = result["chosen"]
    baseline: Setting = result["baseline"]
    defaults = {k: result["defaults"][k] for k in chosen.params}
    lines = [
        f"`{command}`",
        "",
        run_line,
        "",
        f"Surabaya, catalogue `{result['catalogue']}` ({result['catalogue_units']} units, written by the team). "
        f"The router's encoder and OPD head are those of the model; only the unit resolver is refitted. "
        f"Rare units: the {len(result['rare_units'])} units pooled in `{POOL}` that have dev rows "
        f"({result['pooled_rows']} dev rows, {result['train_pool_rows']} pooled train rows; "
        f"{result['routed_to_pool']} of the dev rows are routed to `{POOL}` by the OPD head).",
        "",
        "### Chosen on train",
        "",
        f"{len(result['settings'])} settings of `FewShotUnits` on the {result['train_pool_rows']} pooled train rows: "
        f"{FOLDS}-fold cross-validation stratified by unit (share right / share named / right among the named) and "
        "each unit left out in turn, its catalogue line kept (share of its rows right). Chosen: the best mean of "
        f"the two shares right with precision ≥ {PRECISION_FLOOR} in the folds.",
        "",
        "| setting | cross-validation right / named / precision | catalogue-only right |",
        "|---|---:|---:|",
        f"| pooled classifier of today (min score {baseline.params['min_score']}) | {baseline.cv_right:.3f} / "
        f"{baseline.cv_named:.3f} / {baseline.cv_precision:.3f} | 0 (cannot) |",
    ]
    ranked = sorted(
        (s for s in result["settings"] if s.cv_named and s.cv_precision >= PRECISION_FLOOR),
        key=lambda s: -s.score,
    )[:5]
    for setting in ranked:
        mark = " **(chosen)**" if setting is chosen else ""
        lines.append(
            f"| {_params(setting.params)}{mark} | {setting.cv_right:.3f} / {setting.cv_named:.3f} / "
            f"{setting.cv_precision:.3f} | {setting.lou_right:.3f} |"
        )
    for name, mix in (("prototypes only", 1.0), ("classifier with descriptions only", 0.0)):
        alone = [s for s in result["settings"] if s.params["prototype_weight"] == mix and s.cv_named]
        best = max(alone, key=lambda s: s.score)
        lines.append(
            f"| best {name}: {_params(best.params)} | {best.cv_right:.3f} / {best.cv_named:.3f} / "
            f"{best.cv_precision:.3f} | {best.lou_right:.3f} |"
        )
    same = all(abs(float(defaults[k]) - float(v)) < 1e-9 for k, v in chosen.params.items())
    lines += [
        "",
        f"Defaults of `FewShotUnits`: {_params(defaults)} "
        f"({'the chosen setting' if same else 'NOT the chosen setting: update them'}).",
        "",
        "### Dev",
        "",
        "| unit answers on dev | pooled classifier of today | few-shot + catalogue |",
        "|---|---:|---:|",
        f"| rare units, given the true OPD: share right | {_share(today.given, truth, pooled)} | "
        f"{_share(fewshot.given, truth, pooled)} |",
        f"| rare units, given the true OPD: share named (else `{POOL}`) | {np.mean(today.given[pooled] != POOL):.3f} | "
        f"{np.mean(fewshot.given[pooled] != POOL):.3f} |",
        f"| rare units, given the true OPD: right among the named | {_precision(today.given, truth, pooled)} | "
        f"{_precision(fewshot.given, truth, pooled)} |",
        f"| rare units, end to end (unit of the routed OPD) | {_share(today.routed, truth, pooled)} | "
        f"{_share(fewshot.routed, truth, pooled)} |",
        f"| all {result['dev_rows']:,} rows, end to end | {_share(today.routed, truth, truth != '')} | "
        f"{_share(fewshot.routed, truth, truth != '')} |",
        f"| rows routed to another OPD than `{POOL}` whose unit changed | - | {result['changed_outside']} |",
        "",
        "Catalogue-only: the same units with their training rows dropped from the unit resolver (each unit in turn; "
        "the OPD head and encoder unchanged), share of their dev rows named right given the true OPD. Today's "
        "classifier cannot name a unit without training rows (0).",
        "",
        "| rare unit | train rows | dev rows | today | few-shot + catalogue | catalogue-only |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for unit in result["rare_units"]:
        mine = truth == unit
        lines.append(
            f"| {unit} | {result['train_counts'][unit]} | {result['dev_counts'][unit]} | "
            f"{_share(today.given, truth, mine)} | {_share(fewshot.given, truth, mine)} | "
            f"{result['catalogue_only'][unit]:.3f} |"
        )
    weights = np.asarray([result["dev_counts"][u] for u in result["rare_units"]], dtype=float)
    each = np.asarray([result["catalogue_only"][u] for u in result["rare_units"]])
    lines += [
        f"| **all rare units** | {sum(result['train_counts'].values())} | {int(weights.sum())} | "
        f"{_share(today.given, truth, pooled)} | {_share(fewshot.given, truth, pooled)} | "
        f"{float(each @ weights / weights.sum()):.3f} |",
        "",
        f"All rare units catalogue-only at once (no `{POOL}` training row keeps its unit: the catalogue lines alone), "
        f"given the true OPD: {_share(zero_shot.given, truth, pooled)} right, "
        f"{np.mean(zero_shot.given[pooled] != POOL):.3f} named, {_precision(zero_shot.given, truth, pooled)} "
        "right among the named.",
    ]
    return "\n".join(lines) + "\n"


def _precision(answers: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> str:
    named = mask & (answers != POOL)
    return f"{np.mean(answers[named] == truth[named]):.3f}" if named.any() else "n/a"


def _params(params: dict[str, Any]) -> str:
    short = {
        "center": "centred",
        "description_weight": "desc",
        "temperature": "T",
        "prototype_weight": "proto",
        "min_score": "min",
    }
    return ", ".join(f"{short.get(k, k)} {_value(v)}" for k, v in params.items())


def _value(value: Any) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else f"{value:g}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="Folder holding surabaya/.")
    parser.add_argument("--model-dir", type=Path, default=None, help="A surabaya model trained with --unit-column.")
    parser.add_argument("--catalogue", type=Path, default=DEFAULT_CATALOGUE, help="Catalogue CSV (nama, menangani).")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md", help="Markdown file to update.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the folds and solvers.")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 on success, 2 with a one-line reason when the data cannot be used."""
    args = parse_args(argv)
    return run_and_write(
        "benchmarks/fewshot_units.py",
        argv,
        output=args.output,
        heading=SECTION,
        machine=machine_info(),
        measure=lambda: run(args.data_dir, args.model_dir, args.catalogue, args.seed),
        render=lambda result, command, run_line: section(result, command=command, run_line=run_line),
    )


if __name__ == "__main__":
    from models.logs import configure_logging

    configure_logging()
    sys.exit(main())
