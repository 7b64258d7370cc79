# Writes OUT, a header defining TWB_BUILD_HASH, from the git checkout at SOURCE, at every build:
# `git describe --always --dirty`, and for a tree with changes a hash of them too (tracked files'
# diff, and the names and contents of files not yet added), so that every different engine has a
# different build hash (the workbench redeploys a node's engine when the hashes differ; one taken
# at configure time stayed the same while the code changed). OUT is rewritten only when the hash
# changes, so an unchanged tree recompiles nothing.
execute_process(COMMAND git describe --always --dirty --abbrev=12 WORKING_DIRECTORY ${SOURCE}
                OUTPUT_VARIABLE hash OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
execute_process(COMMAND git ls-files --others --exclude-standard WORKING_DIRECTORY ${SOURCE}
                OUTPUT_VARIABLE untracked OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT hash)
  set(hash unknown)
elseif(hash MATCHES "-dirty$" OR untracked)
  execute_process(COMMAND git diff HEAD WORKING_DIRECTORY ${SOURCE} OUTPUT_VARIABLE changes
                  ERROR_QUIET)
  string(REPLACE "\n" ";" untracked "${untracked}")
  foreach(path IN LISTS untracked)
    file(SHA256 "${SOURCE}/${path}" content_hash)
    string(APPEND changes "\n${path} ${content_hash}")
  endforeach()
  string(SHA256 changes_hash "${changes}")
  string(SUBSTRING "${changes_hash}" 0 8 changes_hash)
  string(REGEX REPLACE "-dirty$" "" hash "${hash}")
  set(hash "${hash}-dirty-${changes_hash}")
endif()
set(content "#define TWB_BUILD_HASH \"${hash}\"\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT old STREQUAL content)
  file(WRITE ${OUT} "${content}")
endif()
