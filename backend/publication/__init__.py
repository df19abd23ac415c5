"""e-Net's publication of certificates to D-Sure (DESIGN §5.2), and what it learns back.

Conclusion, amendment, cancellation and key reissue each put a row in
``publication_outbox`` inside their own transaction (``backend.certificates.events``), so
a change and its publication commit together. One worker (``backend.publication.worker``)
delivers the rows, with retries and backoff; the changing request also runs a delivery
pass right after its commit, so D-Sure is usually current before the response leaves.
"""
