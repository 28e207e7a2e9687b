// The TCP connections a ring group holds to its peers, watched from a thread of our own: the
// first sign of a peer that died (its kernel closes the connections) ends this process with one
// line, wherever MLX itself is waiting.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace mlxts {

// A socket open in this process: its descriptor and the kernel's inode (which tells a
// descriptor closed and reused apart from the one recorded).
struct OpenSocket {
  int fd;
  ino_t inode;
};

std::vector<OpenSocket> OpenSockets();

// After a group started: of the sockets open now and not in `before`, the TCP connections to or
// from a port of MLX_HOSTFILE are the group's. (Other threads may open sockets meanwhile, an
// HTTP server's connections for one; the ports tell them apart.)
void RecordPeerConnections(const std::vector<OpenSocket>& before);

// From now on a recorded connection that the peer closes or that fails ends the process with
// `line` ("{error}" replaced by what happened) and `code`. Starts the watch once; later calls
// only change the line and the code.
void ExitOnLostPeer(std::string line, int code);

// The group is ending on purpose (rank 0 stopped it): peers closing their connections from now
// on is how a stop looks, not a failure.
void ExpectPeersToLeave();

}  // namespace mlxts
