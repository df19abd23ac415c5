"""The most common passwords (pure data), for the password rule's "too common" check.

Compiled from the published top lists of leaked passwords (the usual "top 100/1000"
lists) plus words Japanese users and this trade reach for first. Only their *base*
matters: :func:`backend.domain.passwords.password_problem` lowers the case, undoes
look-alike digits (p@ssw0rd) and strips the digits and symbols people pad with
(Password2025!), then looks the base up here. Entries are lower case.
"""

COMMON_PASSWORDS = frozenset("""
123456 123456789 12345678 1234567890 1234567 12345 password password1 qwerty qwertyuiop qwerty123
abc abcd qwer asdf abc123 abcd1234 abcdef 111111 000000 123123 1q2w3e4r 1q2w3e4r5t 1qaz2wsx zaq12wsx qazwsx
iloveyou admin administrator root welcome welcome1 letmein monkey dragon football baseball soccer
master sunshine princess shadow superman batman michael jennifer jordan hunter ashley charlie
trustno1 freedom whatever starwars pokemon computer internet secret passw0rd pass pass1234 login
changeme default guest test tester testing user demo sample example temp temporary hello hello123
access flower lovely loveme mustang harley ranger buster tigger summer winter spring autumn
thomas daniel matthew andrew joshua robert killer cheese chocolate cookie pepper ginger orange
banana apple samsung google yahoo facebook twitter linkedin microsoft windows mac linux ubuntu
asdfgh asdfghjkl zxcvbn zxcvbnm qazxsw poiuytrewq mnbvcxz aaaaaa abcabc abcdefg abcdefgh
password12 password123 password1234 mypassword newpassword oldpassword yourpassword passwort
motdepasse contrasena senha parola haslo salasana wachtwoord
nihon nippon japan tokyo osaka kyoto nagoya yokohama sapporo fukuoka kobe tottori shimane
sakura hanako taro tarou ichiro hiroshi takashi yamada tanaka suzuki sato satou watanabe
doraemon pikachu totoro gundam naruto onepiece
kensetsu kensetu kouji koji doboku kenchiku genba hosho hoshou hosyo hoshokaisha
enet e-net dsure keiyaku maebarai zenpo kyokai kaisha company office shigoto
yoroshiku arigato arigatou konnichiwa sayonara daisuki aishiteru
""".split())
