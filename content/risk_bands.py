"""Where the 0-100 risk score turns medium and high: the one scale behind the assistant's
``high_risk`` flag and the approvals policy's default bands (a brand may move its own bands;
these are the defaults every brand starts from)."""

MEDIUM_RISK_FROM = 34
HIGH_RISK_FROM = 67
