"""Demo credentials of the simulator: the keys it accepts and the account they belong to.

These are public test values, printed by ``bybit-research sim`` and used by ``env="offline"``; they open
nothing but the local simulator. Three keys are known:

* :data:`DEMO_API_KEY` / :data:`DEMO_API_SECRET`: a system-generated (HMAC-SHA256) key with every permission;
* :data:`DEMO_RSA_API_KEY`: a self-generated (RSA) key whose public key is :data:`DEMO_RSA_PUBLIC_KEY_PEM`;
  sign with :data:`DEMO_RSA_PRIVATE_KEY_PEM`;
* :data:`DEMO_READONLY_API_KEY` / :data:`DEMO_READONLY_API_SECRET`: a read-only HMAC key without the
  ``Wallet`` permission, so that permission errors (retCode 10005) can be tested.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ALL_PERMISSIONS",
    "API_KEYS",
    "DEMO_API_KEY",
    "DEMO_API_SECRET",
    "DEMO_READONLY_API_KEY",
    "DEMO_READONLY_API_SECRET",
    "DEMO_RSA_API_KEY",
    "DEMO_RSA_PRIVATE_KEY_PEM",
    "DEMO_RSA_PUBLIC_KEY_PEM",
    "DEMO_UID",
    "ApiKey",
]

#: UID of the demo account (the same number the demo account reports)
DEMO_UID = 52_600_071

DEMO_API_KEY = "vopVysLxCCkt8tBYaj"
DEMO_API_SECRET = "dn7bWy9BBmGTrGNIO1IK36uhaHD4mr5EFzwd"  # a public test value

DEMO_RSA_API_KEY = "fL9y5H4VRY0iDeao3k"
DEMO_RSA_PUBLIC_KEY_PEM = """\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA6JrXWxncm+7etmUxVxIh
rn5u2zbjeJDwtZ4BuU7X30zfa/lw9qTU1qm5PKkDzecI0TSXTXvj7VqVsXvIsS17
WwW+UtlR+TcauO2KkKQ9fqu3kSoF6+5usRpcP+nR6alvmwf4+yCnI42zQ7EFawb4
b/kADPTUNMV6XQDa3R45lffIZXy4Em+El8gAqYCs9eDleMohpq3fKH+jrAPkw+Up
FgBPhfyQDdg6e1BxRPYG/vFFO125qqpFB/Af2vfDbvG+FLZszBguOz5TlbgW9VVa
3kKw9MR+MlycKHMPcC0t2+F/9WBYAJDG89vrdEDV0ykuqj+LdnEMwv3wpwQHhdLc
MwIDAQAB
-----END PUBLIC KEY-----
"""
DEMO_RSA_PRIVATE_KEY_PEM = """\
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDomtdbGdyb7t62
ZTFXEiGufm7bNuN4kPC1ngG5TtffTN9r+XD2pNTWqbk8qQPN5wjRNJdNe+PtWpWx
e8ixLXtbBb5S2VH5Nxq47YqQpD1+q7eRKgXr7m6xGlw/6dHpqW+bB/j7IKcjjbND
sQVrBvhv+QAM9NQ0xXpdANrdHjmV98hlfLgSb4SXyACpgKz14OV4yiGmrd8of6Os
A+TD5SkWAE+F/JAN2Dp7UHFE9gb+8UU7XbmqqkUH8B/a98Nu8b4UtmzMGC47PlOV
uBb1VVreQrD0xH4yXJwocw9wLS3b4X/1YFgAkMbz2+t0QNXTKS6qP4t2cQzC/fCn
BAeF0twzAgMBAAECggEAJWK5yWkzNZbjkfJax1FhO4ATxkUgs4CsR6yhP00GUlwz
LtIVT3c3xFbcMH1D4MTI/IMU7H3EqSIdnDy2iY+zW3JlYECQtdse/ukjE9NqFOF5
rCnScNTOUsXXXOhydjlm+EaERKy/YG4GiZM6uTSSGsEtOmfhcafp3mfkRZT1kX5G
8Vi+ALR64XeTO3QtoxG6Azmj8AXahLCaN8aMdPmg1PT1CXue34fi9L5vFEpyIwrH
Gj4HMTKPV0V+d1UVIQulJM/DR26lFaTwPvzTNIdPF9dTNGNgUcvTIm7RMiLIzpgW
rY3p0IbR0SaGDZzLlE6V/dnaLmLrI4QCZTq/jFbi4QKBgQD4ZgZU5CFBf/GGM9Lw
3uUahUZpwmCqPpdxcyXNA5WcLqWnXDhQUk65ret4Vyouw0UYr6+539JUosZ+ssO2
U8KymHW0aVkaMcZlFVWtB63dmzMBeJyzR8o5rcAVwdoBTcKCHGJnDsLuPts4B8St
whONoWMy9J7UGqAY90au1XNHUwKBgQDvuRZhZVdZdze2ItF+t7euM5MZMt4Q8Y9F
sS/w5tFDLWCcgtjQKgCBTzzy7sFxzoDyZjNdom7Whz1xdCNeKsenTsiMwaD3R23y
E241Wflmp/iVf9wYOKSdKnAy1OH7dxia9zkipYARNpSLtWxXrLUWsGAz/2Hg0IlZ
CRyoXZXboQKBgQC6u1/ZI2JIrhjwDTdvMfDC3hvP13r5oHISrEBnfWFT9tE7Hh2L
bESYW0Ffxw8D9nGUHEabEcI5M+DKUDLGdvMvdWNOy79a7L47MS2mFNbEeC6A1Z3f
PIGumIqFEKSFRGKLkzD6TmOF3KTJ2zUkdnhiiUdcf/6Cbr2Z5xIwzm+J1wKBgQDg
LG93aPOEYG4izvCl1VvZdbVrbRwpMBvRCl9Qoiiy725XLi1ejMioI9dVPlx79qaz
B0ullk6cIyAcRoUEfHD0TkJRDoledNel9vGqxpbpns5hz42cwOt/Zb5Car1hEQBb
ejFd6vKWJjpHY8MLQiCeNRXhykJXn+uw7Up1T/7hwQKBgGEog+KNnqM0ZnYJ95Ij
JduCLR95QqusA+NzXrai7T7w2YI2y4sdefjWdLpbXRgvHkAwXN2Gz0IUPSwpiq9s
3FiOukAE09xEsRAmsYN7T2ZycRVi61dMb3R0lT7/XqNE9HM4wzJyqlQHOWbNQutb
izbMMT/TzgZJ1YHP4n33n0ob
-----END PRIVATE KEY-----
"""

DEMO_READONLY_API_KEY = "N55FHY5gAfFaQXpa90"
DEMO_READONLY_API_SECRET = "GJ2WBW18cRqHKCFUo9j8dt83Iue6INW7JeJU"  # a public test value

#: permission groups of a Bybit API key (as ``/v5/user/query-api`` lists them)
ALL_PERMISSIONS = frozenset({"ContractTrade", "Spot", "Wallet", "Options", "Derivatives", "Exchange"})


@dataclass(frozen=True)
class ApiKey:
    """One API key known to the simulator.

    Parameters
    ----------
    key
        The public key id sent in ``X-BAPI-API-KEY``.
    uid
        The account the key belongs to.
    secret
        HMAC secret (system-generated keys); ``None`` for RSA keys.
    public_key_pem
        RSA public key (self-generated keys); ``None`` for HMAC keys.
    read_only
        Read-only keys get retCode 10005 on every authenticated POST.
    permissions
        Permission groups; handlers check them with :func:`bybit_research.sim.core.require_permission`.
    """

    key: str
    uid: int
    secret: str | None = None
    public_key_pem: str | None = None
    read_only: bool = False
    permissions: frozenset[str] = ALL_PERMISSIONS

    def __repr__(self) -> str:
        kind = "rsa" if self.public_key_pem else "hmac"
        return f"ApiKey(key={self.key!r}, uid={self.uid}, kind={kind}, read_only={self.read_only})"


#: every key the simulator accepts, by key id
API_KEYS: dict[str, ApiKey] = {
    DEMO_API_KEY: ApiKey(DEMO_API_KEY, DEMO_UID, secret=DEMO_API_SECRET),
    DEMO_RSA_API_KEY: ApiKey(DEMO_RSA_API_KEY, DEMO_UID, public_key_pem=DEMO_RSA_PUBLIC_KEY_PEM),
    DEMO_READONLY_API_KEY: ApiKey(
        DEMO_READONLY_API_KEY,
        DEMO_UID,
        secret=DEMO_READONLY_API_SECRET,
        read_only=True,
        permissions=ALL_PERMISSIONS - {"Wallet"},
    ),
}
