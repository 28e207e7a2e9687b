// Why a watch of our own: when a peer of MLX's ring backend dies, the backend fails the transfers
// in flight once and then stops serving that connection, so every later collective on it waits
// forever, and where the failure was stored for nobody to see (or was taken by another thread),
// the process hangs. The kernel closes a dead process's connections at once, and poll() shows
// that (POLLRDHUP) without reading a byte of the backend's data.
#include "peer_connections.h"

#include "common.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mlxts {

namespace {

struct PeerConnection {
  OpenSocket socket;
  std::string peer;  // "host:port", for the message
};

std::mutex mutex;
std::vector<PeerConnection> connections;
std::string exit_line;
int exit_code = 1;
bool watching = false;
std::atomic<bool> leaving{false};

// The inode of a socket descriptor, or 0 when `fd` is not one.
ino_t SocketInode(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return 0;
  return st.st_ino;
}

// The ports MLX_HOSTFILE names (a ring hostfile: [["ip:port", ...], ...] by rank).
std::set<int> HostfilePorts() {
  std::set<int> ports;
  const char* path = std::getenv("MLX_HOSTFILE");
  if (!path || !*path) return ports;
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  const std::string content = text.str();
  static const std::regex port(":([0-9]{1,5})\"");
  for (std::sregex_iterator it(content.begin(), content.end(), port), end; it != end; ++it) ports.insert(std::stoi((*it)[1]));
  return ports;
}

// The port and "host:port" of a socket address (IPv4 or IPv6); port -1 for anything else.
int PortOf(const sockaddr_storage& address, std::string* text) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = -1;
  if (address.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    port = ntohs(in->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* in = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &in->sin6_addr, host, sizeof(host));
    port = ntohs(in->sin6_port);
  }
  if (text) *text = std::string(host) + ":" + std::to_string(port);
  return port;
}

[[noreturn]] void Lost(const PeerConnection& connection, const std::string& what) {
  std::string line;
  int code;
  {
    std::lock_guard<std::mutex> lock(mutex);
    line = exit_line;
    code = exit_code;
  }
  const std::string error = "[ring] the connection to the peer at " + connection.peer + " " + what;
  const auto at = line.find("{error}");
  if (at != std::string::npos) line.replace(at, 7, error);
  ExitWith(code, line);
}

void Watch() {
  for (;;) {
    std::vector<PeerConnection> watched;
    {
      std::lock_guard<std::mutex> lock(mutex);
      watched = connections;
    }
    std::vector<pollfd> fds;
    for (const auto& c : watched) fds.push_back(pollfd{c.socket.fd, POLLRDHUP, 0});
    // A timeout: connections recorded later join, and a stop that began is noticed.
    const int ready = fds.empty() ? 0 : ::poll(fds.data(), fds.size(), 200);
    if (fds.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (leaving.load()) return;
    if (ready <= 0) continue;
    for (size_t i = 0; i < fds.size(); ++i) {
      const short events = fds[i].revents;
      if (events == 0) continue;
      // Closed and perhaps reused by now: no longer the group's connection.
      if ((events & POLLNVAL) || SocketInode(fds[i].fd) != watched[i].socket.inode) {
        std::lock_guard<std::mutex> lock(mutex);
        for (auto it = connections.begin(); it != connections.end(); ++it) {
          if (it->socket.fd == watched[i].socket.fd && it->socket.inode == watched[i].socket.inode) {
            connections.erase(it);
            break;
          }
        }
        continue;
      }
      if (leaving.load()) return;
      if (events & POLLERR) {
        int error = 0;
        socklen_t length = sizeof(error);
        ::getsockopt(fds[i].fd, SOL_SOCKET, SO_ERROR, &error, &length);
        Lost(watched[i], std::string("failed (") + std::strerror(error) + ")");
      }
      Lost(watched[i], "was closed by the peer");
    }
  }
}

}  // namespace

std::vector<OpenSocket> OpenSockets() {
  std::vector<OpenSocket> sockets;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return sockets;
  while (const dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;
    if (const ino_t inode = SocketInode(static_cast<int>(fd))) sockets.push_back({static_cast<int>(fd), inode});
  }
  ::closedir(dir);
  return sockets;
}

void RecordPeerConnections(const std::vector<OpenSocket>& before) {
  const std::set<int> ports = HostfilePorts();
  if (ports.empty()) return;
  std::set<ino_t> known;
  for (const auto& s : before) known.insert(s.inode);
  std::vector<PeerConnection> found;
  for (const auto& s : OpenSockets()) {
    if (known.count(s.inode)) continue;
    int type = 0;
    socklen_t length = sizeof(type);
    if (::getsockopt(s.fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_STREAM) continue;
    sockaddr_storage local{}, remote{};
    socklen_t local_length = sizeof(local), remote_length = sizeof(remote);
    if (::getsockname(s.fd, reinterpret_cast<sockaddr*>(&local), &local_length) != 0) continue;
    if (::getpeername(s.fd, reinterpret_cast<sockaddr*>(&remote), &remote_length) != 0) continue;  // not connected
    std::string peer;
    const int remote_port = PortOf(remote, &peer);
    if (!ports.count(PortOf(local, nullptr)) && !ports.count(remote_port)) continue;
    found.push_back({s, peer});
  }
  std::lock_guard<std::mutex> lock(mutex);
  connections.insert(connections.end(), found.begin(), found.end());
}

void ExitOnLostPeer(std::string line, int code) {
  std::lock_guard<std::mutex> lock(mutex);
  exit_line = std::move(line);
  exit_code = code;
  if (watching) return;
  watching = true;
  std::thread(Watch).detach();
}

void ExpectPeersToLeave() {
  leaving.store(true);
}

}  // namespace mlxts
