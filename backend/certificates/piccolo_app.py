import os

from piccolo.conf.apps import AppConfig

from backend.certificates.tables import AuthKey, Certificate, CertificateVersion, ContractSequence, FeeAdjustment

APP_CONFIG = AppConfig(
    app_name="certificates",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[ContractSequence, Certificate, CertificateVersion, AuthKey, FeeAdjustment],
    migration_dependencies=["backend.applications.piccolo_app"],
    commands=[],
)
