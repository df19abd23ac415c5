"""One spelling for every label: the UI's copies (frontend/fmt.py) say what the backend's glossary says.

The UI never imports the backend (it talks HTTP only), so where the API sends no label
(filters, form choices, tabs, KPI cards) fmt keeps a copy; this test holds the copies to the
glossary, so a term changed in one place and not the other fails here, not on a page.
"""

from __future__ import annotations

from backend.applications.service import STATUS_LABELS as APPLICATION_STATUS_LABELS
from backend.domain import glossary
from backend.domain.certificate import STATUS_LABELS as CERTIFICATE_STATUS_LABELS
from frontend import fmt


def test_the_uis_labels_are_the_glossarys():
    assert fmt.GUARANTEE_TYPES == glossary.GUARANTEE_TYPE_LABELS
    assert fmt.ORDERER_CLASSES == glossary.ORDERER_CLASS_LABELS
    assert fmt.CHANNELS == glossary.CHANNEL_LABELS
    assert fmt.DELIVERY == glossary.DELIVERY_LABELS
    assert fmt.COMPANY_STATUS == glossary.COMPANY_STATUS_LABELS


def test_status_labels_are_the_apis():
    """The same words the API's ``status_label`` carries (入金確認済 is the UI's own 締結待ち case)."""
    assert {code: text for code, text in fmt.APPLICATION_STATUS.items() if code != "paid"} == APPLICATION_STATUS_LABELS
    assert fmt.CERTIFICATE_STATUS.items() <= CERTIFICATE_STATUS_LABELS.items()
