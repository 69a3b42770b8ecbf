// net_loopback.c - known traffic over the loopback device for the network tapset tests
// (tests/vm/tapset_tcp_udp.stp, tapset_netdev_socket.stp). TCP: a listener on
// 127.0.0.1:7641, a client with TCP_NODELAY that connects, sends 100 bytes (send), gets
// 37 back (the server's write, the client's read into 4096), then disconnects with
// connect(AF_UNSPEC). UDP: a receiver bound to 127.0.0.1:7642, a connected sender that
// sends 555 bytes (the receiver's recv into 2048), then disconnects the same way. IPv6: a
// TCP socket with IPV6_V6ONLY set. With the argument "dev", then on lo: SIOCGIFMTU,
// SIOCSIFMTU to 60000 and back, IFF_PROMISC set and cleared (SIOCSIFFLAGS), and a read
// of /proc/net/dev, SIOCSIFHWADDR to 02:11:22:33:44:55 (lo refuses it), and a packet
// socket's PACKET_MR_PROMISC membership on lo added and dropped. With "v6" instead: a TCP
// connection to [::1]:7643 carrying 64 bytes. Prints nothing; exits 1 on any failure.
// cc: -O2 -o net_loopback
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int lo_ioctls(void)
{
	struct ifreq ifr;
	char buf[4096];
	int fd = socket(AF_INET, SOCK_DGRAM, 0), mtu, flags, p;

	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFMTU, &ifr))
		return 1;
	mtu = ifr.ifr_mtu;
	ifr.ifr_mtu = 60000;
	if (ioctl(fd, SIOCSIFMTU, &ifr))
		return 1;
	ifr.ifr_mtu = mtu;
	if (ioctl(fd, SIOCSIFMTU, &ifr) || ioctl(fd, SIOCGIFFLAGS, &ifr))
		return 1;
	flags = ifr.ifr_flags;
	ifr.ifr_flags = flags | IFF_PROMISC;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		return 1;
	ifr.ifr_flags = flags;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		return 1;
	p = open("/proc/net/dev", O_RDONLY);
	if (p < 0 || read(p, buf, sizeof buf) <= 0)
		return 1;
	close(p);

	static const unsigned char mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, sizeof mac);
	ioctl(fd, SIOCSIFHWADDR, &ifr); /* fails: lo has no ndo_set_mac_address */
	close(fd);

	struct packet_mreq mr = { .mr_ifindex = if_nametoindex("lo"), .mr_type = PACKET_MR_PROMISC };
	int ps = socket(AF_PACKET, SOCK_RAW, 0);
	if (ps < 0 || setsockopt(ps, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) ||
	    setsockopt(ps, SOL_PACKET, PACKET_DROP_MEMBERSHIP, &mr, sizeof mr))
		return 1;
	close(ps);
	return 0;
}

static int tcp_v6(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(7643), .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	char buf[4096] = { 0 };
	int one = 1, l = socket(AF_INET6, SOCK_STREAM, 0), c = socket(AF_INET6, SOCK_STREAM, 0), s;

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 4) || connect(c, (struct sockaddr *)&a, sizeof a))
		return 1;
	s = accept(l, NULL, NULL);
	if (s < 0 || send(c, buf, 64, 0) != 64 || recv(s, buf, sizeof buf, 0) != 64)
		return 1;
	close(c);
	close(s);
	close(l);
	return 0;
}

int main(int argc, char **argv)
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
		return 1;
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one))
		return 1;
	if (connect(c, (struct sockaddr *)&a, sizeof a))
		return 1;
	int s = accept(l, NULL, NULL);
	if (s < 0 || send(c, buf, 100, 0) != 100 || recv(s, buf, 4096, 0) != 100)
		return 1;
	if (write(s, buf, 37) != 37 || read(c, buf, 4096) != 37)
		return 1;
	if (connect(c, &unspec, sizeof unspec))
		return 1;
	close(c);
	close(s);
	close(l);

	struct sockaddr_in u = { .sin_family = AF_INET, .sin_port = htons(7642) };
	inet_pton(AF_INET, "127.0.0.1", &u.sin_addr);
	int r = socket(AF_INET, SOCK_DGRAM, 0);
	int w = socket(AF_INET, SOCK_DGRAM, 0);
	if (bind(r, (struct sockaddr *)&u, sizeof u) || connect(w, (struct sockaddr *)&u, sizeof u))
		return 1;
	if (send(w, buf, 555, 0) != 555 || recv(r, buf, 2048, 0) != 555)
		return 1;
	if (connect(w, &unspec, sizeof unspec))
		return 1;
	close(w);
	close(r);

	int v6 = socket(AF_INET6, SOCK_STREAM, 0);
	if (v6 < 0 || setsockopt(v6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one))
		return 1;
	close(v6);
	if (argc > 1 && strcmp(argv[1], "dev") == 0)
		return lo_ioctls();
	if (argc > 1 && strcmp(argv[1], "v6") == 0)
		return tcp_v6();
	return 0;
}
