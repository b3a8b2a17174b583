"""The choices that define one count model, in one frozen object (`fit_counts` builds it from its arguments)."""

from __future__ import annotations

from dataclasses import dataclass

FAMILIES = ("auto", "poisson", "negbin")
ERRORS = ("cluster", "gee", "fixed_effects")
CLUSTER_SE = ("auto", "CR2", "CR1")  # below 30 wards "auto" is CR2 (Satterthwaite df), from 30 CR1 (t(G-1))
SPLITS = ("within_between", "none")


@dataclass(frozen=True)
class CountModelSpec:
    """A count model of `outcome` per `exposure` against `predictor`: every choice, checked on creation.

    Attributes
    ----------
    outcome : str, the incident count column ("assaults_on_staff").
    exposure : str, the denominator column; its log is the offset ("occupied_bed_days").
    predictor : str, the co-production score column; lag : int, months earlier (0: the same month).
    adjust : tuple of str, adjustments (`analysis.data.contract.ADJUSTMENTS`).
    family : "auto" (Poisson or NB2 by a likelihood-ratio test of over-dispersion), "poisson" or "negbin".
    errors : "cluster" (cluster-robust by ward), "gee" (exchangeable, robust) or "fixed_effects" (ward dummies,
        cluster-robust).
    cluster_se : the cluster-robust errors for "cluster" and "fixed_effects": "auto" (CR2 with Satterthwaite
        degrees of freedom below 30 wards, CR1 with t(G-1) from 30), "CR2" or "CR1".
    split : "within_between" (ward mean and monthly deviation; headline within) or "none".
    ward, month : str, the ward and month columns.
    per : float, points per step of the predictor (10: "per 10-point rise").
    at : tuple of float, scores at which expected rates are given.
    zeros : bool, whether to check for more months with none than the model expects.
    """

    outcome: str = "assaults_on_staff"
    exposure: str = "occupied_bed_days"
    predictor: str = "coproduction_patient_overall"
    lag: int = 0
    adjust: tuple[str, ...] = ()
    family: str = "auto"
    errors: str = "cluster"
    split: str = "within_between"
    ward: str = "ward_id"
    month: str = "month"
    per: float = 10.0
    at: tuple[float, ...] = (30.0, 50.0, 70.0)
    zeros: bool = True
    cluster_se: str = "auto"

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {FAMILIES}")
        if self.errors not in ERRORS:
            raise ValueError(f"errors must be one of {ERRORS}")
        if self.cluster_se not in CLUSTER_SE:
            raise ValueError(f"cluster_se must be one of {CLUSTER_SE}")
        object.__setattr__(self, "adjust", tuple(self.adjust))
        object.__setattr__(self, "at", tuple(self.at))

    @property
    def fixed_effects(self) -> bool:
        """Ward fixed effects (each ward compared only with itself)."""
        return self.errors == "fixed_effects"

    @property
    def question(self) -> str:
        """The question the model answers: "q3" for transfers to lower security, else "q2"."""
        return "q3" if self.outcome == "transfers_to_lower_security" else "q2"

    @property
    def predictor_column(self) -> str:
        """The panel column the model uses: the predictor, or its lagged copy ("..._lag1")."""
        return f"{self.predictor}_lag{int(self.lag)}" if self.lag else self.predictor
