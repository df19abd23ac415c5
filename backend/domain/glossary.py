"""The project's glossary: English names in code, the Japanese terms users see.

One place for labels so API messages, documents and the UI speak the same words.
"""

from __future__ import annotations

# Guarantee types (保証種別).
ADVANCE = "advance"  # 前払金保証: guarantee of the advance payment (≤ 40% of the contract sum)
INTERIM_ADVANCE = "interim_advance"  # 中間前払金保証: the additional interim advance (≤ 20%)
CONTRACT = "contract"  # 契約保証: contract (performance) guarantee (≥ 10%)

GUARANTEE_TYPE_LABELS = {
    ADVANCE: "前払金保証",
    INTERIM_ADVANCE: "中間前払金保証",
    CONTRACT: "契約保証",
}
CERTIFICATE_TITLES = {
    ADVANCE: "前払金保証証書",
    INTERIM_ADVANCE: "中間前払金保証証書",
    CONTRACT: "契約保証証書",
}

# Orderer classes (発注者区分).
ORDERER_CLASS_LABELS = {
    "national": "国",
    "prefecture": "都道府県",
    "municipality": "市区町村",
    "agency": "独立行政法人等",
    "other": "その他",
}

# How the key notice reaches the orderer (提出方法).
CHANNEL_LABELS = {
    "email": "電子メール",
    "e-contract": "電子契約システムへの登録",
    "e-application": "電子申請システム",
    "fax": "FAX",
    "paper": "書面",
}

DELIVERY_LABELS = {"electronic": "電子交付", "paper": "書面"}

COMPANY_STATUS_LABELS = {"pending": "承認待ち", "active": "利用中", "rejected": "不承認", "suspended": "利用停止中"}

# Field names of the public API (DESIGN §5.1) → the label a message names.
FIELD_LABELS = {
    "email": "メールアドレス",
    "password": "パスワード",
    "current_password": "現在のパスワード",
    "new_password": "新しいパスワード",
    "token": "再設定用リンク",
    "otp": "確認コード（6桁）",
    "company_name": "商号（会社名）",
    "representative": "代表者",
    "address": "所在地",
    "phone": "電話番号",
    "license_number": "建設業許可番号",
    "login_id": "お客様ID（ログインID）",
    "display_name": "表示名",
    "code": "発注者コード",
    "name": "名称",
    "reading": "読み仮名（ひらがな・カタカナ）",
    "title": "宛名（職名）",
    "orderer_class": "発注者区分",
    "e_guarantee_from": "電子保証の対象開始日",
    "submission_email": "提出先メールアドレス",
    "channels": "提出方法",
    "subject_templates": "メール件名テンプレート",
    "guarantee_type": "保証種別",
    "orderer_code": "発注者",
    "orderer_project_number": "工事番号",
    "project_name": "工事名",
    "project_location": "工事場所",
    "contract_amount": "請負代金額",
    "advance_amount": "前払金額",
    "guarantee_amount": "保証金額",
    "contract_date": "契約日",
    "period_start": "工期（始期）",
    "period_end": "工期（終期）",
    "bid_announced_on": "入札公告日",
    "delivery": "保証証書の受取方法",
    "notes": "連絡事項",
    "reason": "理由",
    "paid_on": "入金日",
    "deposit_bank": "預託金融機関",
    "branch": "支店名",
    "advance_contract_number": "前払金保証の保証契約番号",
    "interim_certified_on": "中間前払金の認定日",
    "cancel_on": "解約日",
    "kind": "申込みの種類",
    "cc_self": "控えの送付",
    "amount": "金額",
    "contract_number": "保証契約番号",
    "auth_key": "認証キー",
    "status": "状態",
    "cursor": "カーソル",
    "limit": "件数",
}


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field)
