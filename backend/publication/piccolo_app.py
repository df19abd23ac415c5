from backend.db import app_config
from backend.publication.tables import PublicationOutbox

APP_CONFIG = app_config("publication", __file__, [PublicationOutbox], depends_on=("backend.certificates.piccolo_app",))
