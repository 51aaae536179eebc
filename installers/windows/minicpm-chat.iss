; Inno Setup 6 script: the Windows installer over the PyInstaller one-folder build.
;
; Built by installers\windows\build.ps1 (or build_cuda.ps1), which passes the version:
;   ISCC /DAppVersion=0.1.0 installers\windows\minicpm-chat.iss
;   ISCC /DAppVersion=0.1.0 /DBundleName=minicpm-chat-cuda installers\windows\minicpm-chat.iss
; Relative paths below are relative to this file's folder (Inno Setup's default SourceDir).
;
; What it promises (docs/release.md):
; - a per-user install, no administrator needed, into %LOCALAPPDATA%\Programs\MiniCPM Chat;
; - installing a newer version over an older one upgrades in place (same AppId) and never touches
;   the data folder, %LOCALAPPDATA%\MiniCPM Chat (platformdirs' user_data_dir("MiniCPM Chat",
;   appauthor=False) in app\core\paths.py: chats, settings, models, backups);
; - uninstalling removes the program and keeps the data folder, unless the person answers Yes to
;   "Also delete my chats, settings and models?" (a silent uninstall never deletes it).

#ifndef AppVersion
  #error Pass the version from pyproject.toml: ISCC /DAppVersion=X.Y.Z minicpm-chat.iss
#endif
; Which folder of dist\ to package: minicpm-chat (CPU) or minicpm-chat-cuda (the CUDA flavour).
#ifndef BundleName
  #define BundleName "minicpm-chat"
#endif
#define AppName "MiniCPM Chat"
; The windowed twin (installers/pyinstaller/minicpm_chat.spec): no console window beside the
; app. minicpm-chat.exe in the same folder answers the command line.
#define AppExe "MiniCPM Chat.exe"

[Setup]
; Fixed forever: Windows finds the installed copy by it, so a new version upgrades in place. The
; CUDA flavour shares it on purpose (same app, other llama.cpp build): one replaces the other.
; The doubled brace is Inno Setup's escape for a literal "{".
AppId={{D3AFC995-F899-40EA-8A9A-518F94E434E9}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=MiniCPM Chat contributors
; Per user, like the data folder: no UAC prompt, and {localappdata} below is that user's.
PrivilegesRequired=lowest
; {autopf} is %LOCALAPPDATA%\Programs for a per-user install: never the data folder itself.
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; The bundle is 64-bit only (the Python, Qt, OpenVINO and llama.cpp libraries inside it).
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile=..\icons\minicpm-chat.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
OutputDir=..\..\dist
OutputBaseFilename={#BundleName}-{#AppVersion}-windows-x64-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
; Asks a running MiniCPM Chat to close before its files are replaced or removed.
CloseApplications=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade first removes the previous build's libraries (only inside the program folder), so
; no stale DLL of an older version is left beside the new ones. The data folder is elsewhere.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; The whole PyInstaller folder: minicpm-chat.exe and its _internal\ folder.
Source: "..\..\dist\{#BundleName}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[CustomMessages]
DeleteData=Also delete my chats, settings and models?%n%n%1%n%nChoose No to keep them (a later install finds them again).

[Code]
// The data folder the app uses: platformdirs' user_data_dir on Windows (not roaming).
function DataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\{#AppName}');
end;

// After the program files are gone, offer to delete the data folder too. The default button is
// No, and a silent uninstall (/SILENT, /VERYSILENT) never asks: the data stays.
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and (not UninstallSilent()) and DirExists(DataDir()) then
  begin
    if SuppressibleMsgBox(FmtMessage(CustomMessage('DeleteData'), [DataDir()]),
        mbConfirmation, MB_YESNO or MB_DEFBUTTON2, IDNO) = IDYES then
      DelTree(DataDir(), True, True, True);
  end;
end;
