"""The ward-month panel every model is fitted on: survey scoring, incident rates, lags and the within/between split."""
