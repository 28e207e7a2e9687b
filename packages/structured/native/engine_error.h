// xgrammar reports a bad schema or grammar, and misuse (a mask asked for after the end), by
// throwing C++ exceptions. One that escaped a Node-API callback would terminate the process, so
// every call into xgrammar runs inside Guarded, which turns it into a JS Error carrying the
// engine's message (without the time and source location xgrammar puts in front of it).
#pragma once

#include <napi.h>

#include <exception>
#include <string>

#include "cpp/support/logging.h"

namespace xgrammar_ts {

/** The text of a C++ exception, as a JS user should read it. */
inline std::string EngineMessage(const std::exception& error) {
  // LogFatalError's what() is "[hh:mm:ss] file:line: message\n"; its base class keeps the message.
  if (auto* fatal = dynamic_cast<const xgrammar::LogFatalError*>(&error)) return fatal->std::runtime_error::what();
  return error.what();
}

/** Runs `body`, rethrowing any C++ exception as a JS Error with the engine's message. */
template <typename Body>
auto Guarded(Napi::Env env, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& error) {
    throw Napi::Error::New(env, EngineMessage(error));
  } catch (...) {
    throw Napi::Error::New(env, "xgrammar failed with an exception that is not a std::exception");
  }
}

}  // namespace xgrammar_ts
