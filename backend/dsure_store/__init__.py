"""D-Sure's own tables (Piccolo app ``dsure_store``): what the verification service keeps.

Issuers and their keys, the certificate versions they published, the key verifiers, the
views, the alert subscriptions and the throttle state. e-Net never reads these tables and
D-Sure reads nothing else (DESIGN §5.2): run alone (``hosho dsure``) they live in D-Sure's
own database; embedded (``hosho run`` / ``hosho api`` without ``HOSHO_DSURE_URL``) they sit
beside e-Net's tables in the same database and are filled only by publications.
"""
