# Python 2.7: start wstest with Twisted's listeners defaulting to 127.0.0.1 instead of all
# interfaces, so that the suite never listens beyond loopback.
import sys

# wstest would pick the epoll reactor itself; install it first, since patching needs the
# reactor object.
from twisted.internet import epollreactor

epollreactor.install()

from twisted.internet import reactor  # noqa: E402

_listen_tcp = reactor.listenTCP


def _loopback_listen_tcp(port, factory, backlog=50, interface=''):
    return _listen_tcp(port, factory, backlog=backlog, interface=interface or '127.0.0.1')


reactor.listenTCP = _loopback_listen_tcp

from autobahntestsuite import wstest  # noqa: E402

sys.argv[0] = 'wstest'
wstest.run()
