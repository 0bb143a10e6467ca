# Include facades: a library's headers are reached through <build>/facades/<name>, which holds
# symbolic links to the source directories or files it exports, never through the source root.
# A library therefore sees only its own headers and those of the libraries it links, and an
# include across a layer the wrong way is a "file not found" error (tests/layering).

# rotagent_facade(<target> <facade> [PRIVATE] [DIRS dir...] [FILES file...]): exports each source
# dir (e.g. agent/certz) or file (e.g. agent/caller.h), relative to the project root, to
# <target>'s users; with PRIVATE, to <target>'s own sources only.
function(rotagent_facade target facade)
  cmake_parse_arguments(F "PRIVATE" "" "DIRS;FILES" ${ARGN})
  set(root ${PROJECT_BINARY_DIR}/facades/${facade})
  foreach(item IN LISTS F_DIRS F_FILES)
    get_filename_component(parent ${root}/${item} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${item} ${root}/${item} SYMBOLIC)
  endforeach()
  if(F_PRIVATE)
    target_include_directories(${target} PRIVATE ${root})
  else()
    target_include_directories(${target} PUBLIC ${root})
  endif()
endfunction()
