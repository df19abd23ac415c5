from backend.certificates.tables import (
    AuthKey,
    Certificate,
    CertificateSearch,
    CertificateVersion,
    ChangeRequest,
    ContractSequence,
    FeeAdjustment,
)
from backend.db import app_config

APP_CONFIG = app_config("certificates", __file__, [ContractSequence, Certificate, CertificateVersion, AuthKey, FeeAdjustment, CertificateSearch, ChangeRequest], depends_on=("backend.applications.piccolo_app",))
