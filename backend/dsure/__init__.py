"""D-Sure (発注者用保証確認サービス): the orderer's verification of an electronic certificate.

No account: the 保証契約番号 and the 認証キー are the credentials. Refusals leak nothing
(same status, body and near time for an unknown number, a wrong key and malformed input),
failures are throttled per number and attempts per client address, every view is logged
for the contractor, and the orderer can download a signed receipt, confirm receipt
(受領確認) and subscribe to change alerts.
"""
