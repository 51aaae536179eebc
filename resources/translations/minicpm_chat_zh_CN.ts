<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>Banner</name>
    <message>
        <location filename="../../app/chat/chat_view.py" line="40"/>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <location filename="../../app/chat/chat_view.py" line="79"/>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <location filename="../../app/chat/chat_view.py" line="82"/>
        <source>Instructions the model follows in this chat</source>
        <translation>模型在此对话中遵循的指令</translation>
    </message>
    <message>
        <location filename="../../app/chat/chat_view.py" line="87"/>
        <source>Default: {prompt}</source>
        <translation>默认：{prompt}</translation>
    </message>
    <message>
        <location filename="../../app/chat/chat_view.py" line="88"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location filename="../../app/chat/chat_view.py" line="253"/>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <location filename="../../app/chat/composer.py" line="20"/>
        <source>The loaded model has no thinking mode.</source>
        <translation>当前加载的模型没有思考模式。</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="21"/>
        <source>Let the model think before it answers (saved for this chat).</source>
        <translation>让模型先思考再回答（为此对话保存）。</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="68"/>
        <source>Ask anything  (Enter sends, Shift+Enter adds a line)</source>
        <translation>有问必答（Enter 发送，Shift+Enter 换行）</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="79"/>
        <source>Think</source>
        <translation>思考</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="83"/>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="85"/>
        <source>Write a new version of the last answer</source>
        <translation>为最后一个回答生成新版本</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="87"/>
        <location filename="../../app/chat/composer.py" line="121"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="121"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="122"/>
        <source>Stop the answer (Esc)</source>
        <translation>停止回答（Esc）</translation>
    </message>
    <message>
        <location filename="../../app/chat/composer.py" line="122"/>
        <source>Send (Enter)</source>
        <translation>发送（Enter）</translation>
    </message>
</context>
<context>
    <name>ConversationPanel</name>
    <message>
        <location filename="../../app/conversations/panel.py" line="55"/>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="57"/>
        <source>Start a new chat (Ctrl+N)</source>
        <translation>开始新对话（Ctrl+N）</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="61"/>
        <source>Search chats</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="62"/>
        <source>Search titles and messages (Ctrl+F)</source>
        <translation>搜索标题和消息（Ctrl+F）</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="85"/>
        <location filename="../../app/conversations/panel.py" line="265"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="91"/>
        <location filename="../../app/conversations/panel.py" line="296"/>
        <source>No chats yet.</source>
        <translation>还没有对话。</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="100"/>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="173"/>
        <source>Deleted “{title}”.</source>
        <translation>已删除“{title}”。</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="262"/>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="263"/>
        <source>Unpin</source>
        <translation>取消置顶</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="263"/>
        <source>Pin</source>
        <translation>置顶</translation>
    </message>
    <message>
        <location filename="../../app/conversations/panel.py" line="296"/>
        <source>No chats match.</source>
        <translation>没有匹配的对话。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/main_window.py" line="89"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="94"/>
        <location filename="../../app/main_window.py" line="287"/>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="110"/>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="117"/>
        <source>0 always picks the likeliest word; higher is more varied</source>
        <translation>0 总是选择最可能的词；越高越多样</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="121"/>
        <source>Max tokens</source>
        <translation>最大词元数</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="126"/>
        <source>The longest answer, in tokens</source>
        <translation>回答的最大长度（词元）</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="132"/>
        <source>No model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="137"/>
        <source>Tokens the last answer used of the model&apos;s context</source>
        <translation>上一个回答占用的模型上下文词元数</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="139"/>
        <source>Speed of the last answer</source>
        <translation>上一个回答的速度</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="140"/>
        <source>Memory this app uses, the model included</source>
        <translation>本应用占用的内存（含模型）</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="264"/>
        <location filename="../../app/main_window.py" line="267"/>
        <source>Loading {name}…</source>
        <translation>正在加载 {name}…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="288"/>
        <source>The model could not be loaded</source>
        <translation>无法加载模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="290"/>
        <source>The model could not be loaded: {message}</source>
        <translation>无法加载模型：{message}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="299"/>
        <source>{speed:.1f} tokens/s</source>
        <translation>{speed:.1f} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="308"/>
        <source>{gb:.2f} GB in use</source>
        <translation>已用 {gb:.2f} GB</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="323"/>
        <source>Context {used:,} / {available:,}</source>
        <translation>上下文 {used:,} / {available:,}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="328"/>
        <source>Context –</source>
        <translation>上下文 –</translation>
    </message>
</context>
<context>
    <name>MessageWidget</name>
    <message>
        <location filename="../../app/chat/message_widget.py" line="152"/>
        <source>Waiting for the model…</source>
        <translation>正在等待模型…</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="185"/>
        <source>This answer was interrupted before it finished.</source>
        <translation>此回答在完成前被中断。</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="187"/>
        <location filename="../../app/chat/message_widget.py" line="209"/>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="196"/>
        <source>Previous version</source>
        <translation>上一个版本</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="200"/>
        <source>Next version</source>
        <translation>下一个版本</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="202"/>
        <location filename="../../app/chat/message_widget.py" line="346"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="202"/>
        <source>Copy this message</source>
        <translation>复制此消息</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="205"/>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="205"/>
        <source>Edit and send again as a new version</source>
        <translation>编辑并作为新版本重新发送</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="209"/>
        <source>Write a new version of this answer</source>
        <translation>为此回答生成新版本</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="227"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="229"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="285"/>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="285"/>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <location filename="../../app/chat/message_widget.py" line="341"/>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
</TS>
