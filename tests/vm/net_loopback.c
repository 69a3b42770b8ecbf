// net_loopback.c - known traffic over the loopback device for the network tapset tests
// (tests/vm/tapset_tcp_udp.stp, tapset_netdev_socket.stp). TCP: a listener on
// 127.0.0.1:7641, a client with TCP_NODELAY that connects, sends 100 bytes (send), gets
// 37 back (the server's write, the client's read into 4096), then disconnects with
// connect(AF_UNSPEC). UDP: a receiver bound to 127.0.0.1:7642, a connected sender that
// sends 555 bytes (the receiver's recv into 2048), then disconnects the same way. IPv6: a
// TCP socket with IPV6_V6ONLY set. Prints nothing; exits 1 on any failure.
// cc: -O2 -o net_loopback
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(void)
{
	return 1;
}

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7641) };
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	char buf[4096];
	int one = 1;

	memset(buf, 'x', sizeof buf);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);

	int l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 4))
		return fail();
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one))
		return fail();
	if (connect(c, (struct sockaddr *)&a, sizeof a))
		return fail();
	int s = accept(l, NULL, NULL);
	if (s < 0 || send(c, buf, 100, 0) != 100 || recv(s, buf, 4096, 0) != 100)
		return fail();
	if (write(s, buf, 37) != 37 || read(c, buf, 4096) != 37)
		return fail();
	if (connect(c, &unspec, sizeof unspec))
		return fail();
	close(c);
	close(s);
	close(l);

	struct sockaddr_in u = { .sin_family = AF_INET, .sin_port = htons(7642) };
	inet_pton(AF_INET, "127.0.0.1", &u.sin_addr);
	int r = socket(AF_INET, SOCK_DGRAM, 0);
	int w = socket(AF_INET, SOCK_DGRAM, 0);
	if (bind(r, (struct sockaddr *)&u, sizeof u) || connect(w, (struct sockaddr *)&u, sizeof u))
		return fail();
	if (send(w, buf, 555, 0) != 555 || recv(r, buf, 2048, 0) != 555)
		return fail();
	if (connect(w, &unspec, sizeof unspec))
		return fail();
	close(w);
	close(r);

	int v6 = socket(AF_INET6, SOCK_STREAM, 0);
	if (v6 < 0 || setsockopt(v6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one))
		return fail();
	close(v6);
	return 0;
}
