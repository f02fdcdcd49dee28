#pragma once

namespace why502::cli {

// Runs the program: parses options, runs the ordered steps, returns the exit status
// (0 nothing wrong found, 1 findings reported, 2 usage or input error).
int run(int argc, char** argv);

}  // namespace why502::cli
